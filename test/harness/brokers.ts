/**
 * Kafka brokers a test starts for itself, beside the stack's: another version (the 3.x
 * compatibility test) or extra listeners (TLS, SASL, mTLS). Configured by the same code as the
 * stack's broker (scripts/stack/kafka-broker.ts), on free loopback ports, in a temporary folder;
 * `stop()` ends the JVM and everything it spawned.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaHome, loadConfig } from '../../scripts/stack/config.js';
import { startBrokerAndWait, stopBroker, type BrokerListener, type BrokerSpec } from '../../scripts/stack/kafka-broker.js';
import { workDir } from './daemon.js';
import { freePort } from './ports.js';

export interface TestBroker {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  brokers: string[];
  /** Port of each extra listener, by name. */
  ports: Record<string, number>;
  logFile: string;
  stop(): Promise<void>;
}

export interface TestBrokerOptions {
  version: string;
  label: string;
  listeners?: Array<Omit<BrokerListener, 'port'>>;
  properties?: Record<string, string>;
  scram?: string[];
}

export async function startTestBroker(o: TestBrokerOptions): Promise<TestBroker> {
  const c = loadConfig();
  const libsDir = join(kafkaHome(c, o.version), 'libs');
  if (!existsSync(libsDir)) throw new Error(`Kafka ${o.version} is not installed in ${libsDir}: run npm run stack:install`);
  const home = workDir(`broker-${o.label}`);
  const listeners: BrokerListener[] = [];
  for (const l of o.listeners ?? []) listeners.push({ ...l, port: await freePort() });
  const spec: BrokerSpec = {
    version: o.version,
    libsDir,
    java: c.java,
    confDir: join(home, 'config'),
    dataDir: join(home, 'data'),
    runDir: join(home, 'run'),
    clusterIdFile: join(home, 'cluster-id'),
    name: `kafka-${o.label}`,
    logFile: join(home, 'kafka.log'),
    port: await freePort(),
    controllerPort: await freePort(),
    listeners,
    properties: o.properties,
    scram: o.scram,
    // Small workloads: a test broker needs far less than the stack's.
    heapMb: 384,
  };
  mkdirSync(spec.runDir, { recursive: true });
  try {
    await startBrokerAndWait(spec);
  } catch (err) {
    await stopBroker(spec);
    throw err;
  }
  return {
    brokers: [`127.0.0.1:${spec.port}`],
    ports: Object.fromEntries(listeners.map((l) => [l.name, l.port])),
    logFile: spec.logFile,
    async stop() {
      await stopBroker(spec);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
