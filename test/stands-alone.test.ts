/**
 * The repository stands alone: a user's fresh clone must pass its own tests, so no test, bench,
 * script or example may read a file by an absolute path outside the checkout (issue 13 found the
 * Avro fixtures read from a folder that only existed on the build machine). Data the tests need
 * lives in test/fixtures/ and is addressed relative to the file that reads it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROOTS = ['test', 'bench', 'scripts', 'examples', '.ci'];
const SOURCE = /\.(ts|js|mjs|py|sh|yaml|yml)$|^run$/;
/** A string literal that starts at a machine-specific root: these only exist on one machine. */
const OUTSIDE = /['"`](\/work|\/home|\/root|\/mnt|\/srv|\/opt|[A-Za-z]:\\)[/\\]|shared\/testdata/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.stack')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

describe('the repository stands alone', () => {
  it('no test, bench, script or example names a path outside the checkout', () => {
    const offenders: string[] = [];
    for (const root of ROOTS) {
      let found: string[];
      try {
        found = files(join(REPO, root));
      } catch {
        continue; // a root that does not exist (e.g. no examples yet) has nothing to check
      }
      for (const file of found) {
        if (file === fileURLToPath(import.meta.url)) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (OUTSIDE.test(line)) offenders.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the Avro fixtures the tests read are in the repository, with their licence note', () => {
    const dir = join(REPO, 'test/fixtures/avro');
    for (const f of ['README.md', 'interop.avsc', 'weather.avsc', 'weather.json', 'simple/data.avro', 'withUnion/data.avro']) {
      expect(statSync(join(dir, f)).size).toBeGreaterThan(0);
    }
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('Apache License 2.0');
  });
});
