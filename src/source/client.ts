/**
 * Creates the kafkajs client every Kafka-side component shares: codecs registered, kafkajs'
 * own logging routed into pino (its chatty info lines — every pause/resume — become debug),
 * records decoded in place in their batch (record-batch.ts) with headers in wire order
 * (header-order.ts), and sockets that hand kafkajs whole frames (framed-socket.ts), fetch
 * responses in reused Buffers where asked (fetch-buffers.ts).
 */
import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig, LogEntry, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { registerCodecs } from './codecs.js';
import { installFetchConnections, ResponseBuffers, withFetchSockets } from './fetch-buffers.js';
import { framedSocketFactory, installWholeFrameReads } from './framed-socket.js';
import { installWireHeaders } from './header-order.js';
import { installRecordBatchDecoder } from './record-batch.js';
import { installRequestQueueFix } from './request-queue.js';
import { silentLogger, type Logger } from '../util/log.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaClientOptions {
  brokers: string[];
  clientId?: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Receive fetch responses into reused Buffers (fetch-buffers.ts): only for a client whose
   * consumers keep no record's bytes past its batch handler without copying them (the daemon's).
   */
  recycleFetchResponses?: boolean;
}

export function createKafkaClient(options: KafkaClientOptions, logger: Logger = silentLogger): Kafka {
  registerCodecs();
  installWireHeaders();
  installRecordBatchDecoder();
  installRequestQueueFix();
  installWholeFrameReads();
  installFetchConnections();
  const sockets = framedSocketFactory();
  const log = logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'floe',
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    socketFactory: options.recycleFetchResponses
      ? withFetchSockets(
          sockets,
          framedSocketFactory(() => new ResponseBuffers()),
        )
      : sockets,
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      // kafkajs attaches the stack of every connection error; the message says what happened,
      // and a stack per retry only buries it.
      const { message, timestamp: _t, stack: _s, ...rest } = entry.log as LogEntry['log'] & { stack?: unknown };
      const fields = { namespace: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) log.error(fields, message);
      else if (entry.level === logLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    },
  };
  if (options.ssl !== undefined) config.ssl = options.ssl;
  if (options.sasl !== undefined) config.sasl = options.sasl;
  return new KafkaClient(config);
}
