export * from './types.js';
export { LocalFileIO, toLocalPath } from './local.js';
export { S3FileIO, parseS3Uri, type S3FileIOOptions, type S3Location } from './s3.js';
export {
  fromTableConfig,
  resolveFileIO,
  s3OptionsForTable,
  type PrefixedStorageConfig,
  type ResolveOptions,
  type TableStorage,
} from './resolve.js';
