/** Manifests and manifest lists as Avro container files (format v2 writing, v1–v3 reading). */
export { readAvroFile, writeAvroFile, type AvroCodec, type AvroFileContents } from './avro-file.js';
export {
  assignSequenceNumber,
  UNASSIGNED_SEQUENCE_NUMBER,
  writeManifest,
  type ManifestWriteInput,
  type WrittenManifest,
} from './manifest-writer.js';
export { inheritFromManifest, readManifest, type ManifestContents, type ManifestMetadata } from './manifest-reader.js';
export {
  readManifestList,
  writeManifestList,
  type ManifestListContents,
  type ManifestListWriteInput,
} from './manifest-list.js';
export { partitionStruct, PartitionSummaries } from './partition.js';
export { manifestEntrySchema, manifestFileSchema, type PartitionStructField } from './schemas.js';
