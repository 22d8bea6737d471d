import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact.js';

/** Paths pino must never print: credentials reach the logger through configs and client options. */
export const REDACT_PATHS = [
  '*.password',
  '*.secret',
  '*.secretAccessKey',
  '*.accessKeyId',
  '*.token',
  '*.clientSecret',
  '*.sasl',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.*.password',
  'config.*.secretAccessKey',
  'config.*.clientSecret',
  'config.*.token',
];

export type { Logger };

/**
 * Every logged object, child binding and error goes through the configuration's recursive
 * redaction (secret-bearing keys at any depth, URL passwords inside any string, error messages and
 * stacks included); pino's path redaction above only reaches fixed depths and stays as a second net.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    name: 'floe',
    level: process.env.FLOE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      log: (o) => redactSecrets(o),
      bindings: (b) => redactSecrets(b),
    },
    serializers: {
      err: (e: Error) => redactSecrets(pino.stdSerializers.err(e)),
    },
    ...options,
  });
}

/** A logger for tests and libraries that were given none. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Text with URL passwords masked (`postgres://u:[redacted]@h/db`); see redact.ts. */
export { maskUrlPasswords as maskUrlPassword } from './redact.js';
