/**
 * Delete files written and uploaded the way the daemon writes them (Parquet with field ids, full
 * metrics, a complete DataFile), for the reader tests that check a row delta's deletes are applied.
 */
import { randomUUID } from 'node:crypto';
import { rowsToTable, type Row } from '../../../src/arrow/builder.js';
import type { FileIO } from '../../../src/iceberg/io/types.js';
import { FileContent, type DataFile, type Schema, type TableMetadata } from '../../../src/iceberg/spec/types.js';
import { writeDataFile } from '../../../src/parquet/data-file.js';
import { dataLocation } from '../../../src/parquet/table-files.js';

/** Writes `rows` as a delete file next to the table's data; `extra` sets content, equality ids, …. */
export async function deleteFile(io: FileIO, metadata: TableMetadata, schema: Schema, rows: Row[], extra: Partial<DataFile>): Promise<DataFile> {
  const { bytes: body, metrics } = writeDataFile(rowsToTable(schema, rows), schema, { metricsMode: () => ({ kind: 'full' }) });
  const filePath = `${dataLocation(metadata)}/${randomUUID()}-deletes.parquet`;
  await io.write(filePath, body);
  return { content: FileContent.PositionDeletes, filePath, fileFormat: 'PARQUET', partition: [], specId: 0, ...metrics, ...extra };
}

/** The spec's reserved schema of position delete files. */
export const POSITION_DELETES: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 2147483546, name: 'file_path', required: true, type: 'string' },
    { id: 2147483545, name: 'pos', required: true, type: 'long' },
  ],
};
