/**
 * Making values safe to log or print: every value under a secret-bearing key is replaced, at any
 * depth, and passwords inside URLs (`postgres://u:secret@h/db`) are masked anywhere in a string
 * (an error message quoting a connection string included). Keyed on field-name patterns so new
 * secret fields named the usual way are covered without touching this file. Used for the
 * configuration, the logger (every logged object and error, see src/util/log.ts) and validation
 * messages (which never echo a secret value).
 */
export const REDACTED = '[redacted]';
/** Keys whose values are secrets: password, secret, token(s), credential, authorization, API/private keys. */
const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|credential|authorization|api[-_]?key|private[-_]?key|^accessKeyId$/i;
/** Under TLS options (`ssl`, `tls`) `key` and `pfx` hold private keys (kafkajs errors can carry them). */
const TLS_PARENT = /^(ssl|tls)$/i;
const TLS_SECRET = /^(key|pfx)$/i;
/** Every value under these is treated as secret (HTTP headers often carry API keys). */
const SECRET_MAPS = new Set(['headers']);
/** Deeper than this, a structure is cut off: logging must not recurse without bound. */
const MAX_DEPTH = 32;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/:@\s"']*):[^/@\s"']*@/gi;

/** `scheme://user:secret@host` → `scheme://user:[redacted]@host`, anywhere in the text. */
export function maskUrlPasswords(text: string): string {
  return text.includes('@') ? text.replace(URL_PASSWORD, `$1:${REDACTED}@`) : text;
}

export interface RedactOptions {
  /**
   * How an Error found anywhere in the value is turned into plain data, which is then redacted like
   * the rest (message, stack, enumerable fields such as a kafkajs error's broker options, causes).
   * Without it Errors are kept as they are, for a caller that serializes (and redacts) them itself.
   */
  serializeError?: (err: Error) => unknown;
}

interface Walk {
  options: RedactOptions;
  seen: WeakSet<object>;
}

function redact(value: unknown, key: string | undefined, parent: string | undefined, inSecretMap: boolean, depth: number, walk: Walk): unknown {
  if (value === undefined || value === null) return value;
  const secretKey = key !== undefined && (isSecretKey(key) || (parent !== undefined && TLS_PARENT.test(parent) && TLS_SECRET.test(key)));
  if (inSecretMap || secretKey) {
    return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  }
  if (typeof value === 'string') return maskUrlPasswords(value);
  if (typeof value !== 'object') return value;
  const { seen } = walk;
  if (value instanceof Error && walk.options.serializeError !== undefined) {
    if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
    seen.add(value);
    try {
      return redact(walk.options.serializeError(value), key, parent, false, depth + 1, walk);
    } finally {
      seen.delete(value);
    }
  }
  // Errors keep their class for the logger's error serializer, which redacts what it produces.
  if (value instanceof Error || Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof Date) return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redact(v, undefined, key, false, depth + 1, walk));
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, redact(v, String(k), key, false, depth + 1, walk)]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = redact(v, k, key, key !== undefined && SECRET_MAPS.has(key), depth + 1, walk);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The configuration (or any part of it) as it may be logged or printed. */
export function redactConfig<T>(config: T): T {
  return redactSecrets(config);
}

/** Any value (a configuration section, a log object), made safe to log. */
export function redactSecrets<T>(value: T, options: RedactOptions = {}): T {
  return redact(value, undefined, undefined, false, 0, { options, seen: new WeakSet() }) as T;
}
