/**
 * Progress of long CLI work on a terminal: one line redrawn in place on stderr (done / total,
 * bytes, rate), at most every 100 ms. When stderr is not a terminal, or `--json` asks for
 * machine-readable output, nothing is drawn: stdout stays one JSON document and logs stay clean.
 */
export interface ProgressUpdate {
  phase: string;
  done: number;
  total?: number;
  bytesDone?: number;
  bytesTotal?: number;
}

export interface ProgressLine {
  update(p: ProgressUpdate): void;
  /** Clears the line (call before printing the result). */
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** The text of one progress line (exported for tests). */
export function progressText(label: string, p: ProgressUpdate, elapsedMs: number): string {
  const secs = Math.max(elapsedMs / 1000, 0.001);
  const parts = [`${label} ${p.phase}: ${p.done}${p.total === undefined ? '' : `/${p.total}`}`];
  if (p.total) parts.push(`(${Math.floor((100 * p.done) / p.total)}%)`);
  if (p.bytesDone !== undefined) parts.push(`${formatBytes(p.bytesDone)}${p.bytesTotal === undefined ? '' : ` of ${formatBytes(p.bytesTotal)}`}`);
  const rate = p.bytesDone !== undefined ? `${formatBytes(p.bytesDone / secs)}/s` : `${(p.done / secs).toFixed(1)}/s`;
  parts.push(rate);
  return parts.join(' ');
}

const QUIET: ProgressLine = { update: () => undefined, done: () => undefined };

export function progressLine(label: string, stream: ProgressStream, options: { json?: boolean; now?: () => number } = {}): ProgressLine {
  if (options.json || !stream.isTTY) return QUIET;
  const now = options.now ?? Date.now;
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      const final = p.total !== undefined && p.done >= p.total;
      if (!final && t - lastDraw < 100) return;
      lastDraw = t;
      drawn = true;
      stream.write(`\r\x1b[2K${progressText(label, p, t - started)}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
