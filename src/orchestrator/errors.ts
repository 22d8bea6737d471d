/** Errors the orchestrator tells apart: fatal ones stop the daemon; stale ranges are re-read. */
export { isFatal } from '../util/errors.js';
export { StaleRangesError } from '../commit/offset-committer.js';
