/** vitest globalSetup (both projects): dist/ is current before any test spawns bin/floe.js. */
import { buildDist } from './cli.js';

export default function setup(): void {
  buildDist();
}
