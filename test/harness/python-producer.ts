/**
 * Produces records with Confluent's Python client and serializers (test/fixtures/formats/produce.py):
 * a producer that is not floe's code, for the format tests.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackEndpoints } from './endpoints.js';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/formats/produce.py');

export type Encoded =
  | null
  | { raw: 'string' | 'int' | 'long' | 'bytes' | 'text'; data: unknown }
  | { json_schema: object; data: unknown; strategy?: 'topic' | 'record' | 'topic_record'; validate?: boolean }
  | { avro: object; data: unknown; strategy?: 'topic' | 'record' | 'topic_record' }
  | { protobuf: string; data: unknown; strategy?: 'topic' | 'record' | 'topic_record' }
  | { protobuf_text: string; schema: string; subject: string; data: unknown }
  | { framed: string }
  | { framed_like: string; body: string };

export type PyMessage = PyRecord | { compat: string; level: 'NONE' | 'BACKWARD' | 'FORWARD' };

export interface PyRecord {
  topic: string;
  partition?: number;
  key?: Encoded;
  value: Encoded;
}

/** Runs the producer; resolves with the schema ids the serializers used, per topic and record. */
export function producePython(stack: StackEndpoints, messages: PyMessage[], protos?: { dir: string; files: string[] }): Promise<Record<string, Record<string, number>>> {
  const doc = { bootstrap: stack.kafkaBrokers.join(','), registry: stack.schemaRegistryUrl, messages, protos };
  return new Promise((ok, fail) => {
    const child = spawn(process.env.FLOE_PYTHON || 'python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`produce.py exited ${code}: ${err.slice(-3000)}`));
      try {
        ok((JSON.parse(out.trim().split('\n').pop()!) as { ids: Record<string, Record<string, number>> }).ids);
      } catch (e) {
        fail(new Error(`produce.py printed ${out.slice(-500)}: ${String(e)}`));
      }
    });
    child.stdin.end(JSON.stringify(doc));
  });
}
