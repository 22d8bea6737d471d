export { AvroModel, type AvroNode, type Slot, type AvroFieldNode, type UnionMember, MAX_ICEBERG_DECIMAL_PRECISION } from './avro-model.js';
export { FieldIdAssigner, maxFieldId, ROOT_PARENT, type MatchHow } from './field-ids.js';
export {
  evolveSchema,
  avroToIceberg,
  promote,
  type EvolveOptions,
  type EvolveResult,
  type SchemaChange,
  type Incompatibility,
  type IncompatiblePolicy,
} from './evolve.js';
export { compileProjector, ProjectorCache, type Projector, type ProjectorOptions, type Row } from './projector.js';
export { jsonWriter, decimalText } from './json.js';
export { compileDirect, type DirectReader, type DirectOptions } from './direct.js';
