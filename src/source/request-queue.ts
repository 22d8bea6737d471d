/**
 * Keeps kafkajs from passing negative delays to setTimeout, which Node 24 reports on stderr as a
 * `TimeoutNegativeWarning` (Node 20 said nothing) — a line outside floe's JSON logs in every
 * process that talks to Kafka.
 *
 * kafkajs' RequestQueue.scheduleCheckPendingRequests computes `throttledUntil - Date.now()`; when
 * nothing is throttled (`throttledUntil` is -1) and no request is pending, that is about
 * -Date.now() and goes to setTimeout as is. Node runs such a timer after 1 ms. This replacement is
 * the same function with the delay clamped to 1 ms, so the behaviour is unchanged. kafkajs 2.2.4
 * is the final release, so the code copied here does not move.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs' own constant (requestQueue/index.js)

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

let installed = false;

export function installRequestQueueFix(): void {
  if (installed) return;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike & Record<string, unknown> };
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    let scheduleAt = this.throttledUntil - Date.now();
    if (!this.throttleCheckTimeoutId) {
      if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      }, Math.max(1, scheduleAt));
    }
  };
  installed = true;
}
