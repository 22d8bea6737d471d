#!/usr/bin/env node
// The `floe` executable. Runs the compiled CLI (dist/) when it is built and not older than the
// sources, otherwise the TypeScript sources through tsx — so a checkout never runs a stale build.
// FLOE_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function useCompiled() {
  if (process.env.FLOE_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  if (!existsSync(source)) return true; // an installed package ships dist/ only
  // The CLI imports catalog/ (the REST catalog server) as well as src/.
  const newest = Math.max(...['src', 'catalog'].map((d) => (existsSync(join(root, d)) ? newestSource(join(root, d)) : 0)));
  return statSync(compiled).mtimeMs >= newest;
}

let entry = compiled;
if (!useCompiled()) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('floe: no current build in dist/ and tsx is not installed; run `npm run build`\n');
    process.exit(1);
  }
  entry = source;
}
const { runAsProcess } = await import(pathToFileURL(entry).href);
await runAsProcess(process.argv.slice(2));
