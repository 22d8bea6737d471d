export { RecordBatchBuilder, rowsToTable, type RecordBatchBuilderOptions, type Row } from './builder.js';
export { FIELD_ID_KEY, icebergFieldToArrow, icebergSchemaToArrow, icebergTypeToArrow } from './schema.js';
