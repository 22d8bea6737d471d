export { writeParquetBytes, type ParquetCompression, type ParquetWriteOptions } from './writer.js';
export { computeMetrics, DEFAULT_METRICS_MODE, type DataFileMetrics, type MetricsMode, type MetricsOptions } from './metrics.js';
export { writeDataFile, type WriteDataFileOptions, type WrittenDataFile } from './data-file.js';
export { RollingDataFileWriter, arrowByteSize, type RollingWriterOptions } from './rolling.js';
export {
  dataLocation,
  encodePartition,
  splitByPartition,
  uploadDataFiles,
  writeDataFiles,
  writePartitionedDataFiles,
  type PartitionGroup,
  type PartitionTupleValue,
  type WriteDataFilesOptions,
  type WritePartitionedOptions,
} from './table-files.js';
export { applicableOrder, sortTable } from './sort.js';
export { encodeDataFiles, encodeInline, type DataFileEncoder, type EncodeOptions } from './encode.js';
