import { describe, expect, it } from 'vitest';
import { formatBytes, progressLine, progressText } from '../../src/cli/progress.js';

describe('progress', () => {
  it('formats done/total, percent, bytes and rate', () => {
    expect(progressText('compact t', { phase: 'rewrite', done: 3, total: 12, bytesDone: 3 * 1048576, bytesTotal: 12 * 1048576 }, 2000)).toBe(
      'compact t rewrite: 3/12 (25%) 3.0 MiB of 12.0 MiB 1.5 MiB/s',
    );
    expect(progressText('orphans t', { phase: 'list', done: 400 }, 4000)).toBe('orphans t list: 400 100.0/s');
    expect(formatBytes(512)).toBe('512 B');
  });

  it('draws on a terminal (throttled, the last step always) and clears; stays silent when piped or with --json', () => {
    let t = 0;
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) };
    const line = progressLine('x', tty, { now: () => t });
    line.update({ phase: 'delete', done: 1, total: 3 });
    t = 50;
    line.update({ phase: 'delete', done: 2, total: 3 }); // within 100 ms: skipped
    line.update({ phase: 'delete', done: 3, total: 3 }); // the last one: drawn
    line.done();
    expect(written.map((w) => w.replace(/\x1b\[2K|\r/g, ''))).toEqual(['x delete: 1/3 (33%) 1000.0/s', 'x delete: 3/3 (100%) 60.0/s', '']);
    const piped: string[] = [];
    progressLine('x', { isTTY: false, write: (s: string) => piped.push(s) }).update({ phase: 'delete', done: 1, total: 1 });
    progressLine('x', { isTTY: true, write: (s: string) => piped.push(s) }, { json: true }).update({ phase: 'delete', done: 1, total: 1 });
    expect(piped).toEqual([]);
  });
});
