/**
 * FileIO on S3 and S3-compatible stores (MinIO, Ceph, R2) through @aws-sdk/client-s3.
 * Large files go through multipart upload (lib-storage), so a 500 MiB Parquet file neither needs
 * one huge request nor fails on S3's 5 GiB single-PUT limit.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { FloeError } from '../../util/errors.js';
import { IoErrorCode, type FileInfo, type FileIO, type WriteOptions } from './types.js';

export interface S3FileIOOptions {
  region?: string;
  /** e.g. http://127.0.0.1:19000 for MinIO. */
  endpoint?: string;
  /** Path-style URLs (endpoint/bucket/key); MinIO and most self-hosted stores need it. */
  forcePathStyle?: boolean;
  /** Static keys or a provider; omitted means the SDK's default chain (env, profile, IMDS, ...). */
  credentials?: S3ClientConfig['credentials'];
  /** Files at least this large use multipart upload; default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads; default 8 MiB (S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded in parallel; default 4. */
  uploadConcurrency?: number;
  /** SDK attempts per request (its own retry of throttling and 5xx); default 5. */
  maxAttempts?: number;
  /** Use this client instead of creating one (shared connection pools, tests). */
  client?: S3Client;
}

const MiB = 1024 * 1024;

export class S3FileIO implements FileIO {
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly concurrency: number;

  constructor(options: S3FileIOOptions = {}) {
    this.threshold = options.multipartThresholdBytes ?? 16 * MiB;
    this.partSize = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
    this.concurrency = options.uploadConcurrency ?? 4;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      return;
    }
    const config: S3ClientConfig = {
      maxAttempts: options.maxAttempts ?? 5,
      // Checksums on every request are the SDK default since 2025, but several S3-compatible
      // stores reject the trailing-checksum encoding; only send them when an operation needs one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.region !== undefined) config.region = options.region;
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.client = new S3Client(config);
    this.ownsClient = true;
  }

  async read(path: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(path);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!res.Body) throw new Error('empty response body');
      return await res.Body.transformToByteArray();
    } catch (err) {
      throw s3Error(err, 'read', path);
    }
  }

  async write(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    const params = {
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}),
      // Honoured by PutObject and by CompleteMultipartUpload (lib-storage forwards it there).
      ...(options.ifNotExists ? { IfNoneMatch: '*' } : {}),
    };
    try {
      if (bytes.byteLength < this.threshold) {
        await this.client.send(new PutObjectCommand(params));
        return;
      }
      const upload = new Upload({
        client: this.client,
        params,
        partSize: this.partSize,
        queueSize: this.concurrency,
        // Abort on failure so a crashed upload leaves no parts we pay for.
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      throw s3Error(err, 'write', path);
    }
  }

  async exists(path: string): Promise<boolean> {
    const { bucket, key } = parseS3Uri(path);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      const e = s3Error(err, 'exists', path);
      if (e.code === IoErrorCode.NotFound) return false;
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      const e = s3Error(err, 'delete', path);
      if (e.code !== IoErrorCode.NotFound) throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const { scheme, bucket, key } = parseS3Uri(prefix, true);
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (err) {
        throw s3Error(err, 'list', prefix);
      }
      for (const obj of res.Contents ?? []) {
        if (obj.Key === undefined) continue;
        yield {
          path: `${scheme}://${bucket}/${obj.Key}`,
          size: obj.Size ?? 0,
          lastModified: obj.LastModified ?? new Date(0),
        };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}

export interface S3Location {
  scheme: string;
  bucket: string;
  key: string;
}

/** s3://, s3a:// and s3n:// (Hadoop's names for the same store) to bucket and key. */
export function parseS3Uri(uri: string, allowEmptyKey = false): S3Location {
  const m = /^(s3a?|s3n):\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || (!allowEmptyKey && m[3] === '')) {
    throw new FloeError(IoErrorCode.InvalidPath, `not an S3 object URI: ${uri}`);
  }
  return { scheme: m[1].toLowerCase(), bucket: m[2], key: m[3] };
}

function s3Error(err: unknown, op: string, path: string): FloeError {
  if (err instanceof FloeError) return err;
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? e.Code ?? 'Error';
  const details = { op, path, status, s3Error: name };
  const message = `${op} ${path}: ${name}${e.message && e.message !== name ? ` (${e.message})` : ''}`;
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    return new FloeError(IoErrorCode.NotFound, message, { cause: err, details });
  }
  if (status === 412 || name === 'PreconditionFailed') {
    return new FloeError(IoErrorCode.AlreadyExists, message, { cause: err, details });
  }
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    // Expired vended credentials also land here; reloading the table gets new ones.
    return new FloeError(IoErrorCode.AccessDenied, message, { cause: err, details });
  }
  const retryable = status === undefined || status >= 500 || status === 429 || status === 409 || e.$retryable !== undefined;
  return new FloeError(IoErrorCode.Failed, message, { retryable, cause: err, details });
}
