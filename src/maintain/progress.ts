/**
 * How long maintenance work reports where it is: the CLI draws it on a terminal, the daemon
 * ignores it (it logs each finished pass instead).
 */
export interface ProgressEvent {
  /** What is being counted: `rewrite` (data files read), `list` (files listed), `delete`. */
  phase: string;
  done: number;
  /** Undefined while the total is not known yet (listing). */
  total?: number;
  bytesDone?: number;
  bytesTotal?: number;
}

export type ProgressFn = (event: ProgressEvent) => void;
