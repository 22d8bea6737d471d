/**
 * The older reader (Spark 3.5 with Iceberg 1.10.1, scripts/stack/older-reader.ts) for one test
 * file: started in beforeAll, stopped in afterAll. The always-on oracle (oracleFor(stack)) is
 * Spark 4.1 with Iceberg 1.12; a file that also needs the older line calls this once at top level
 * and reads the client from the returned function inside its tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../scripts/stack/config.js';
import { installOlderReader, olderReaderInstalled, startOlderReader, type OlderReader } from '../../scripts/stack/older-reader.js';
import { OracleClient } from './oracle.js';

export function useOlderReader(): () => OracleClient {
  let server: OlderReader | undefined;
  let client: OracleClient | undefined;
  beforeAll(async () => {
    const c = loadConfig();
    // `stack:install` fetches its jars; a developer's older cache gets them here (~10 s).
    if (!(await olderReaderInstalled(c))) await installOlderReader(c);
    server = await startOlderReader({}, c);
    console.log(`[older-reader] started in ${server.startSeconds.toFixed(1)}s at ${server.url} (log ${server.logFile})`);
    client = new OracleClient(server.url);
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!client) throw new Error('the older reader is not running (useOlderReader() must be called at the top level of a test file)');
    return client;
  };
}
