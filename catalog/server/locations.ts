/**
 * Where the catalog may write: every table and view location, metadata path and registered
 * metadata file must lie strictly inside the warehouse or inside a root the operator allows.
 * Without this, a client that may commit could make the server write (and on purge, delete)
 * files anywhere its credentials reach: `/etc`, the server's working directory (a relative or
 * empty location), or another table's directory.
 *
 * Locations are compared in a canonical form: `file:` URIs and plain paths become filesystem
 * paths, `s3a://` and `s3n://` become `s3://`, trailing slashes go. A location with `.` or `..`
 * segments, empty segments, control characters or backslashes is refused rather than normalized:
 * storage and engines disagree on what such paths mean.
 */
import { fileURLToPath } from 'node:url';
import { badRequest } from './errors.js';

/** Table properties that name where files of the table go. */
export const PATH_PROPERTIES = ['write.metadata.path', 'write.data.path', 'write.folder-storage.path', 'write.object-storage.path'];

const MAX_LOCATION_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The canonical form of a location, or a reason it has none. */
export function canonicalLocation(location: string): { value: string } | { problem: string } {
  if (location.length === 0) return { problem: 'is empty' };
  if (location.length > MAX_LOCATION_LENGTH) return { problem: `is longer than ${MAX_LOCATION_LENGTH} characters` };
  if (CONTROL.test(location)) return { problem: 'contains control characters' };
  if (location.includes('\\')) return { problem: 'contains a backslash' };
  let scheme = '';
  let path: string;
  if (/^file:/i.test(location)) {
    try {
      path = fileURLToPath(location.replace(/^file:\/(?!\/)/i, 'file:///'));
    } catch {
      return { problem: 'is not a valid file: URI' };
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(\/.*)?$/i.exec(location);
    if (!m) return { problem: 'is not of the form scheme://authority/path' };
    scheme = `${m[1]!.toLowerCase().replace(/^s3[an]$/, 's3')}://${m[2]!}`;
    path = m[3] ?? '';
  } else {
    path = location;
    if (!path.startsWith('/')) return { problem: 'is relative (it would resolve against the server\'s working directory)' };
  }
  const trimmed = path.replace(/\/+$/, '');
  const segments = trimmed.split('/').slice(1);
  if (segments.some((s) => s === '')) return { problem: 'contains an empty path segment' };
  if (segments.some((s) => s === '.' || s === '..')) return { problem: 'contains a "." or ".." segment' };
  return { value: scheme + trimmed };
}

/** True when `inner` is `outer` or lies below it (both canonical). */
export function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

/** True when one of the two (canonical) locations contains the other. */
export function overlaps(a: string, b: string): boolean {
  return within(a, b) || within(b, a);
}

export class LocationPolicy {
  private readonly roots: string[];

  /** `warehouse` and `allowed`: the roots inside which locations are accepted. */
  constructor(warehouse: string, allowed: readonly string[] = []) {
    this.roots = [warehouse, ...allowed].map((r) => {
      const c = canonicalLocation(r);
      if ('problem' in c) throw badRequest(`location root ${JSON.stringify(r)} ${c.problem}`);
      return c.value;
    });
  }

  /**
   * Throws a 400 unless `location` lies strictly inside a root (a table at the root itself would
   * share its directory with every other table; `orRoot` also accepts a root itself, for a
   * namespace, whose tables go below it). Returns the location as given.
   */
  check(location: unknown, what: string, orRoot = false): string {
    if (typeof location !== 'string') throw badRequest(`${what} must be a string`);
    const c = canonicalLocation(location);
    if ('problem' in c) throw badRequest(`${what} ${show(location)} ${c.problem}`);
    if (!this.roots.some((r) => c.value.startsWith(`${r}/`) || (orRoot && c.value === r))) {
      throw badRequest(`${what} ${show(location)} is outside the warehouse and the allowed locations`);
    }
    return location;
  }
}

/** Canonical form for comparisons of locations already accepted; undefined when it has none. */
export function canonicalOrUndefined(location: unknown): string | undefined {
  if (typeof location !== 'string') return undefined;
  const c = canonicalLocation(location);
  return 'value' in c ? c.value : undefined;
}

function show(v: string): string {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
