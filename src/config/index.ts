/** floe's configuration: the model, the loader, naming rules and the JSON Schema. */
export * from './model.js';
export { loadConfig, parseConfig, ConfigError, formatIssue, type ConfigIssue, type ParseOptions } from './load.js';
export { redactConfig, redactSecrets, REDACTED } from '../util/redact.js';
export { tableMaintenance } from './resolve.js';
export { jsonSchema } from './schema.js';
export { parseStartFrom, type StartFrom } from './start-from.js';
export {
  TRANSFORM_HELP,
  compileTopicPattern,
  deadLetterTopicFor,
  expandTemplate,
  isDeadLetterTopic,
  mappingMatchesTopic,
  parseTransform,
  recordTablePattern,
  routesByRecord,
  sanitizeIdentifier,
  splitNamespace,
  tableNameFor,
  type ParsedTransform,
} from './names.js';
export type { Env } from './env.js';
