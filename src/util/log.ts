import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { maskUrlPasswords, redactSecrets } from './redact.js';

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

const serializeError = (e: Error): unknown => pino.stdSerializers.err(e);
const forLog = (value: unknown): unknown => redactSecrets(value, { serializeError });

/** A format argument (`log.info('%s to %o', a, b)`) or message, made safe like a logged object. */
function safeArgument(arg: unknown): unknown {
  if (typeof arg === 'string') return maskUrlPasswords(arg);
  if (arg instanceof Error) return maskUrlPasswords(String(arg));
  return forLog(arg);
}

/**
 * pino applies `formatters.bindings` only to the root's base bindings, never to `child()` bindings.
 * Children are `Object.create(parent)`, so replacing `child` on the root covers every descendant.
 */
function redactChildBindings(root: Logger): Logger {
  const child = root.child;
  const guarded = function (this: Logger, bindings: Record<string, unknown>, options?: unknown) {
    return child.call(this, forLog(bindings) as Record<string, unknown>, options as never);
  };
  Object.defineProperty(root, 'child', { value: guarded, writable: true, configurable: true });
  return root;
}

/**
 * Every logged object, child binding, message, format argument and error (under any key, with its
 * enumerable fields and cause chain) goes through the configuration's recursive redaction
 * (secret-bearing keys at any depth, URL passwords inside any string, error messages and stacks
 * included); pino's path redaction above only reaches fixed depths and stays as a second net.
 * test/util/redact.test.ts proves it on a real pino stream.
 */
export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    name: 'floe',
    level: process.env.FLOE_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      log: (o) => forLog(o) as Record<string, unknown>,
      bindings: (b) => forLog(b) as typeof b,
    },
    serializers: {
      err: (e: Error) => forLog(e),
    },
    hooks: {
      logMethod(args, method) {
        // The first argument is either the object (formatters.log redacts it) or the message.
        const [first, ...rest] = args as unknown[];
        const head = typeof first === 'string' ? maskUrlPasswords(first) : first;
        return method.apply(this, [head, ...rest.map(safeArgument)] as Parameters<typeof method>);
      },
    },
    ...options,
  };
  return redactChildBindings(destination === undefined ? pino(settings) : pino(settings, destination));
}

/** A logger for tests and libraries that were given none. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Text with URL passwords masked (`postgres://u:[redacted]@h/db`); see redact.ts. */
export { maskUrlPasswords as maskUrlPassword } from './redact.js';
