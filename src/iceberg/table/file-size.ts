/**
 * The target size of data files: one default and one rule for every writer (ingest and
 * compaction). The table property `write.target-file-size-bytes`, when set to a positive number,
 * wins over floe's configuration (`file.targetSizeBytes`, or `maintenance.compaction.targetSizeBytes`
 * for compaction), so an engine that tunes the table tunes floe too. floe's default is 128 MiB
 * (Iceberg's Java default is 512 MiB, which makes streaming files wait long to fill).
 */
export const TARGET_FILE_SIZE_PROPERTY = 'write.target-file-size-bytes';
export const DEFAULT_TARGET_FILE_SIZE_BYTES = 128 * 1024 * 1024;

/** The target for a table: its property if set and positive, else what floe is configured with. */
export function targetFileSizeBytes(properties: Record<string, string> | undefined, configured: number): number {
  const prop = Number(properties?.[TARGET_FILE_SIZE_PROPERTY]);
  return Number.isFinite(prop) && prop > 0 ? prop : configured;
}
