/**
 * floe's own version, for `floe --version` and the `floe_build_info` series: read from the
 * package.json found by walking up from this file (works from src/ and from dist/src/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function version(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'floe' && pkg.version) return (cached = pkg.version);
    }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
