import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// A kafkajs client that reaches a broker schedules its request queue check with a negative delay;
// Node 24 prints TimeoutNegativeWarning for it. The queue is driven directly here (no broker).
const script = (fix: boolean) => `
  import { createRequire } from 'node:module';
  ${fix ? "import { installRequestQueueFix } from './src/source/request-queue.ts'; installRequestQueueFix();" : ''}
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js');
  const q = Object.assign(Object.create(RequestQueue.prototype), { throttledUntil: -1, throttleCheckTimeoutId: null, pending: [], checkPendingRequests() { console.log('checked'); } });
  q.scheduleCheckPendingRequests();
`;

function run(fix: boolean): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(fix)], { cwd: REPO, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('kafkajs request queue on Node 24', () => {
  it('schedules its pending-request check without a negative timeout', () => {
    const fixed = run(true);
    expect(fixed.stdout).toContain('checked');
    expect(fixed.stderr).not.toContain('TimeoutNegativeWarning');
    if (Number(process.versions.node.split('.')[0]) >= 24) expect(run(false).stderr).toContain('TimeoutNegativeWarning');
  });
});
