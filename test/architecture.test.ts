/**
 * The folder rules of docs/architecture.md, checked on the import statements: data flows one way,
 * the Iceberg side knows nothing of Kafka, the spec (including the change wire model) depends on
 * nothing but itself, and floe's catalog server takes plain options instead of floe's config.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import of a file: repository-relative paths for relative imports, package names otherwise. */
function imports(file: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'/g)) {
    const spec = m[1]!;
    out.push(spec.startsWith('.') ? normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') : spec);
  }
  return out;
}

/** Imports of files under `from` that reach anything matching `forbidden`, as "file → import". */
function violations(from: string, forbidden: (target: string) => boolean): string[] {
  return sources(from).flatMap((f) => imports(f).filter(forbidden).map((t) => `${f} → ${relative('.', t)}`));
}

const isKafka = (t: string) => t === 'kafkajs' || t.startsWith('src/source/') || t.startsWith('src/decode/');

describe('folder rules', () => {
  it('src/iceberg/spec imports only itself and src/util', () => {
    expect(violations('src/iceberg/spec', (t) => t.startsWith('src/') && !t.startsWith('src/iceberg/spec/') && !t.startsWith('src/util/'))).toEqual([]);
  });

  it('src/iceberg knows nothing of Kafka, the orchestrator or floe configuration', () => {
    expect(violations('src/iceberg', (t) => isKafka(t) || t.startsWith('src/orchestrator/') || t.startsWith('src/config/'))).toEqual([]);
  });

  it('catalog/server takes plain options: no src/config, orchestrator or Kafka', () => {
    expect(violations('catalog/server', (t) => isKafka(t) || t.startsWith('src/orchestrator/') || t.startsWith('src/config/'))).toEqual([]);
  });

  it('src/commit knows nothing of Kafka or the orchestrator', () => {
    expect(violations('src/commit', (t) => isKafka(t) || t.startsWith('src/orchestrator/'))).toEqual([]);
  });

  it('the data half of a commit and the schema planner know nothing of the offsets half', () => {
    const offsetsHalf = (t: string) => t.startsWith('src/commit/');
    const files = ['src/orchestrator/data-sink.ts', 'src/orchestrator/schema-planner.ts'];
    expect(files.flatMap((f) => imports(f).filter(offsetsHalf).map((t) => `${f} → ${t}`))).toEqual([]);
  });

  it('src/util imports nothing else of floe', () => {
    expect(violations('src/util', (t) => t.startsWith('src/') && !t.startsWith('src/util/'))).toEqual([]);
  });
});
