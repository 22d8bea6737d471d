import { pino, type Logger, type LoggerOptions } from 'pino';

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

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    name: 'floe',
    level: process.env.FLOE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...options,
  });
}

/** A logger for tests and libraries that were given none. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** A URL with its password masked (`postgres://u:[redacted]@h/db`); any other text unchanged. */
export function maskUrlPassword(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(text)) return text;
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/i, '$1:[redacted]@');
}
