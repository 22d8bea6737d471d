/**
 * File IO: the few operations the table format needs from storage. Paths are full URIs
 * (s3://bucket/key, file:///dir/file) or plain local paths, exactly as they appear in metadata.
 */

import type { ErrorCode } from '../../util/errors.js';

export interface FileInfo {
  /** Full path in the same form (scheme) as the listed prefix. */
  path: string;
  size: number;
  lastModified: Date;
}

export interface WriteOptions {
  /**
   * Fail with IO_ALREADY_EXISTS instead of replacing an existing file (S3 If-None-Match: *,
   * a hard link locally). Metadata and manifest names are unique; this turns a name collision
   * into an error instead of a silent overwrite of someone else's file.
   */
  ifNotExists?: boolean;
  contentType?: string;
}

export interface FileIO {
  /** Whole file. Throws IO_NOT_FOUND when it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /** Whole file, atomically visible: readers see the old file (or none) or all of the new bytes. */
  write(path: string, bytes: Uint8Array, options?: WriteOptions): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Deleting a missing file is not an error (deletes are retried; S3 behaves the same). */
  delete(path: string): Promise<void>;
  /** Every file whose path starts with `prefix`, recursively, in no guaranteed order. */
  list(prefix: string): AsyncIterable<FileInfo>;
  /** Releases connections; the IO must not be used afterwards. */
  close?(): Promise<void>;
}

/** FloeError codes raised by FileIO implementations. */
export const IoErrorCode = {
  NotFound: 'IO_NOT_FOUND',
  AlreadyExists: 'IO_ALREADY_EXISTS',
  AccessDenied: 'IO_ACCESS_DENIED',
  InvalidPath: 'IO_INVALID_PATH',
  UnsupportedScheme: 'IO_UNSUPPORTED_SCHEME',
  /** Anything else; retryable when the storage said so (throttling, 5xx, network). */
  Failed: 'IO_FAILED',
} as const satisfies Record<string, ErrorCode>;
export type IoErrorCode = (typeof IoErrorCode)[keyof typeof IoErrorCode];
