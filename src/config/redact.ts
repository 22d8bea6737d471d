/**
 * A copy of the configuration safe to log or print: secrets replaced, passwords inside URLs
 * (`postgres://u:secret@h/db`) masked. Keyed on field names so new secret fields named the usual
 * way are covered without touching this file.
 */
import { maskUrlPassword } from '../util/log.js';
import type { FloeConfig } from './model.js';

export const REDACTED = '[redacted]';
const SECRET_KEYS = new Set(['password', 'secretAccessKey', 'sessionToken', 'accessKeyId', 'token', 'tokens', 'credential', 'clientSecret']);
/** Every value under these is treated as secret (HTTP headers often carry API keys). */
const SECRET_MAPS = new Set(['headers']);

function redact(value: unknown, key: string | undefined, inSecretMap: boolean): unknown {
  if (value === undefined || value === null) return value;
  if (inSecretMap || (key !== undefined && SECRET_KEYS.has(key))) {
    return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  }
  if (typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, undefined, false));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = key !== undefined && SECRET_MAPS.has(key) ? redact(v, k, true) : redact(v, k, false);
    }
    return out;
  }
  return value;
}

export function redactConfig(config: FloeConfig): FloeConfig {
  return redactSecrets(config);
}

/** Any part of the configuration (a catalog store section, say), made safe to log. */
export function redactSecrets<T>(value: T): T {
  return redact(value, undefined, false) as T;
}
