// `pretest` / `predemo`: make `npm test` and `npm run demo` work right after a clone by running
// `npm ci` when node_modules is missing. Plain JavaScript on purpose: tsx is not installed yet.
// Only a missing node_modules triggers it: `npm ci` deletes node_modules, which must never happen
// under someone who is working in the checkout.
// A node_modules installed under another Node (a checkout from before the move to Node 24) holds a
// better-sqlite3 compiled for that Node's ABI, which fails to load: it is rebuilt, nothing else.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function run(args) {
  const r = spawnSync('npm', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('[deps] node_modules is missing: running npm ci (once) …');
  run(['ci', '--no-audit', '--no-fund']);
} else {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3');
    new Database(':memory:').close();
  } catch (err) {
    if (!/NODE_MODULE_VERSION|did not self-register|invalid ELF|Could not locate the bindings/.test(String(err?.message))) throw err;
    console.log(`[deps] better-sqlite3 was built for another Node: rebuilding it for ${process.version} …`);
    run(['rebuild', 'better-sqlite3']);
  }
}
