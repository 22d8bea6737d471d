// `pretest` / `predemo`: make `npm test` and `npm run demo` work right after a clone by running
// `npm ci` when node_modules is missing. Plain JavaScript on purpose: tsx is not installed yet.
// Only a missing node_modules triggers it: `npm ci` deletes node_modules, which must never happen
// under someone who is working in the checkout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('[deps] node_modules is missing: running npm ci (once) …');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
