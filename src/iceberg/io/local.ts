/**
 * FileIO on the local filesystem, for tests, demos and single-node setups. Accepts plain paths,
 * file:///abs/path and Hadoop's file:/abs/path; listings answer in the form they were asked in.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FloeError } from '../../util/errors.js';
import { IoErrorCode, type FileInfo, type FileIO, type WriteOptions } from './types.js';

export class LocalFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    const file = toLocalPath(path);
    try {
      return new Uint8Array(await readFile(file));
    } catch (err) {
      throw ioError(err, 'read', path);
    }
  }

  /** Temp file + fsync + rename: a crash leaves the old file or the new one, never half of it. */
  async write(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const file = toLocalPath(path);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.ifNotExists) {
        // link() fails with EEXIST atomically, unlike a check followed by rename().
        await link(tmp, file);
        await unlink(tmp);
      } else {
        await rename(tmp, file);
      }
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw ioError(err, 'write', path);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      return (await stat(toLocalPath(path))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(err, 'stat', path);
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await rm(toLocalPath(path), { force: true });
    } catch (err) {
      throw ioError(err, 'delete', path);
    }
  }

  /** Object-store semantics: a string prefix, not a directory; "dir/a" matches "dir/ab/c". */
  async *list(prefix: string): AsyncIterable<FileInfo> {
    const local = toLocalPath(prefix);
    const asUri = /^file:/i.test(prefix);
    const root = local.endsWith(sep) ? local.slice(0, -1) : dirname(local);
    for await (const file of walk(root)) {
      if (!file.startsWith(local) || file.endsWith('.tmp')) continue;
      let info;
      try {
        info = await stat(file);
      } catch {
        continue; // deleted while listing
      }
      yield {
        path: asUri ? pathToFileURL(file).href : file,
        size: info.size,
        lastModified: info.mtime,
      };
    }
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw ioError(err, 'list', dir);
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** file:///a/b, file:/a/b (Hadoop) and plain paths to a filesystem path. */
export function toLocalPath(path: string): string {
  if (/^file:/i.test(path)) {
    // Hadoop writes file:/a/b; WHATWG URLs want file:///a/b.
    const normalized = path.replace(/^file:\/(?!\/)/i, 'file:///');
    try {
      return fileURLToPath(normalized);
    } catch (err) {
      throw new FloeError(IoErrorCode.InvalidPath, `not a local file URI: ${path}`, { cause: err });
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new FloeError(IoErrorCode.UnsupportedScheme, `LocalFileIO cannot open ${path}`);
  }
  return path;
}

function ioError(err: unknown, op: string, path: string): FloeError {
  if (err instanceof FloeError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const details = { op, path, errno: code };
  switch (code) {
    case 'ENOENT':
      return new FloeError(IoErrorCode.NotFound, `${op} ${path}: no such file`, { cause: err, details });
    case 'EEXIST':
      return new FloeError(IoErrorCode.AlreadyExists, `${op} ${path}: already exists`, { cause: err, details });
    case 'EACCES':
    case 'EPERM':
      return new FloeError(IoErrorCode.AccessDenied, `${op} ${path}: permission denied`, { cause: err, details });
    default:
      return new FloeError(IoErrorCode.Failed, `${op} ${path}: ${(err as Error).message}`, {
        retryable: code === 'EAGAIN' || code === 'EBUSY' || code === 'EMFILE',
        cause: err,
        details,
      });
  }
}
