/**
 * The local stack for the stack-backed bench sections: started if it is not healthy, with the
 * endpoints the daemon harness expects and each service's version for the printed header.
 */
import { localEndpoints } from '../test/harness/global-setup.js';
import type { StackEndpoints } from '../test/harness/endpoints.js';
import { allHealthy, loadConfig, status, up } from '../scripts/stack/stack.js';

export async function benchStack(): Promise<{ stack: StackEndpoints; versions: Record<string, string> }> {
  const c = loadConfig();
  if (!(await allHealthy(c))) {
    console.log('stack not (fully) up: starting it');
    await up((line) => console.log(`  ${line}`), c);
  }
  const versions = Object.fromEntries((await status(c)).map((s) => [s.name, s.version])) as Record<string, string>;
  return { stack: localEndpoints(c), versions };
}
