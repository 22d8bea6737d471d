/**
 * Where writer schemas come from. The registry-backed source fetches each schema id once per
 * process (concurrent misses share one request), parses it once, and retries outages with
 * exponential backoff. An outage surfaces as a retryable REGISTRY_UNAVAILABLE: the consumer must
 * pause and retry, because guessing a schema would be a wrong decode. Only a definite "no such id"
 * (HTTP 404) becomes DECODE_UNKNOWN_SCHEMA, which dead-letters the record.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { FloeError } from '../util/errors.js';
import { isFloeError } from '../util/errors.js';
import { parseAvroSchema } from './avro.js';
import { explainTimeout, registryClientArgs, type RegistryConnection } from './registry-connect.js';
import { avroWriter } from './avro-format.js';
import { DecodeCode, decodeError } from './errors.js';
import { FORMATS } from './formats.js';
import type { ResolvedReference, WriterSchema } from './writer.js';

export type { WriterSchema } from './writer.js';

/** Bounds on a schema's reference graph: a hostile registry answer cannot make floe fetch forever. */
const MAX_REFERENCES = 256;

export interface SchemaSource {
  /** Resolves the writer schema; rejects with DECODE_UNKNOWN_SCHEMA, DECODE_BAD_SCHEMA or REGISTRY_UNAVAILABLE. */
  getSchema(id: number): Promise<WriterSchema>;
  /** The schema if it is already loaded: lets the hot path stay synchronous. */
  peek(id: number): WriterSchema | undefined;
  /**
   * The id of a subject's latest version, or undefined when the subject is not registered. Used
   * where a record carries no schema id (a tombstone) but a schema is still needed.
   */
  latestId(subject: string): Promise<number | undefined>;
}

/** What floe needs from a Confluent-compatible registry; the default wraps @kafkajs/confluent-schema-registry. */
export interface RegistryClient {
  schemaById(id: number): Promise<RawSchema>;
  schemaByVersion(subject: string, version: number): Promise<RawSchema>;
  /** GET /subjects/{subject}/versions/latest → its schema id. */
  latestId(subject: string): Promise<number>;
}

export interface RawSchema {
  schema: string;
  schemaType?: string;
  references?: { name: string; subject: string; version: number }[];
}

/** Error shape of the registry client: HTTP status (network errors arrive as 400 with the cause in the message). */
interface HttpError {
  status?: number;
  message?: string;
}

type Api = {
  Schema: { find(p: { id: number }): Promise<{ data(): RawSchema }> };
  Subject: {
    version(p: { subject: string; version: number }): Promise<{ data(): RawSchema }>;
    latestVersion(p: { subject: string }): Promise<{ data(): { id: number } }>;
  };
};

/** Builds a RegistryClient over @kafkajs/confluent-schema-registry's HTTP API (Confluent or Apicurio ccompat). */
export function confluentRegistryClient(options: RegistryConnection | { host: string; auth?: { username: string; password: string } }): RegistryClient {
  const args = 'url' in options ? registryClientArgs(options) : { host: options.host, auth: options.auth };
  // The library's own retry is off: backoff is ours, so that an outage is never mistaken for an answer.
  const registry = new SchemaRegistry({ ...args, retry: { retries: 0 } });
  // getSchema() would hand back an avsc type parsed with the library's options (number longs, no
  // logical types); floe needs the schema text, which the underlying API client returns.
  const api = (registry as unknown as { api: Api }).api;
  const timeoutMs = 'url' in options ? options.timeoutMs : undefined;
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (err) {
      throw explainTimeout(err, timeoutMs);
    }
  };
  return {
    schemaById: (id) => call(async () => (await api.Schema.find({ id })).data()),
    schemaByVersion: (subject, version) => call(async () => (await api.Subject.version({ subject, version })).data()),
    latestId: (subject) => call(async () => (await api.Subject.latestVersion({ subject })).data().id),
  };
}

export interface RetryOptions {
  /** Attempts after the first one before giving up with REGISTRY_UNAVAILABLE. */
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long a "no such id" answer is remembered, so garbage ids do not hammer the registry. */
  negativeTtlMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RegistrySchemaSource implements SchemaSource {
  private readonly loaded = new Map<number, WriterSchema>();
  private readonly inflight = new Map<number, Promise<WriterSchema>>();
  private readonly unknown = new Map<number, number>();
  private readonly retries: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly negativeTtlMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** How many times the registry was asked for a schema id (observability and tests). */
  fetches = 0;

  constructor(
    private readonly client: RegistryClient,
    options: RetryOptions = {},
  ) {
    this.retries = options.retries ?? 6;
    this.initialDelayMs = options.initialDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 60_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  peek(id: number): WriterSchema | undefined {
    return this.loaded.get(id);
  }

  getSchema(id: number): Promise<WriterSchema> {
    const hit = this.loaded.get(id);
    if (hit) return Promise.resolve(hit);
    const until = this.unknown.get(id);
    if (until !== undefined && until > this.now()) return Promise.reject(unknownSchema(id));
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private async load(id: number): Promise<WriterSchema> {
    const raw = await this.withRetry(id, () => {
      this.fetches++;
      return this.client.schemaById(id);
    });
    const type = (raw.schemaType ?? 'AVRO').toUpperCase();
    const format = FORMATS[type];
    if (!format) {
      throw decodeError(DecodeCode.BadSchema, `schema ${id} is ${raw.schemaType}, floe decodes ${Object.keys(FORMATS).join(', ')}`, { schemaId: id });
    }
    const references = await this.references(id, raw);
    try {
      const schema = format.load(id, raw.schema, references);
      this.loaded.set(id, schema);
      return schema;
    } catch (err) {
      if (isFloeError(err)) throw err;
      throw decodeError(DecodeCode.BadSchema, `schema ${id} is not a usable ${type} schema: ${(err as Error).message}`, { schemaId: id }, err);
    }
  }

  /** The schema's references, transitively, each once, dependencies before their dependents. */
  private async references(id: number, raw: RawSchema): Promise<ResolvedReference[]> {
    const out: ResolvedReference[] = [];
    const seen = new Set<string>();
    const visit = async (refs: RawSchema['references'], depth: number): Promise<void> => {
      for (const ref of refs ?? []) {
        const k = `${ref.subject}@${ref.version}`;
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > MAX_REFERENCES || depth > 32) {
          throw decodeError(DecodeCode.BadSchema, `schema ${id} has more than ${MAX_REFERENCES} references or nests them deeper than 32`, { schemaId: id });
        }
        const refSchema = await this.withRetry(id, () => this.client.schemaByVersion(ref.subject, ref.version));
        await visit(refSchema.references, depth + 1);
        out.push({ ...ref, schema: refSchema.schema, schemaType: refSchema.schemaType });
      }
    };
    await visit(raw.references, 0);
    return out;
  }

  async latestId(subject: string): Promise<number | undefined> {
    let delay = this.initialDelayMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.latestId(subject);
      } catch (err) {
        if ((err as HttpError).status === 404) return undefined;
        if (attempt >= this.retries) {
          const reason = (err as HttpError)?.message ?? String(err);
          throw decodeError(DecodeCode.RegistryUnavailable, `schema registry unavailable fetching the latest version of ${subject}: ${reason}`, {}, err);
        }
        await this.sleep(Math.round(delay / 2 + (Math.random() * delay) / 2));
        delay = Math.min(delay * 2, this.maxDelayMs);
      }
    }
  }

  private async withRetry<T>(id: number, call: () => Promise<T>): Promise<T> {
    let delay = this.initialDelayMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const status = (err as HttpError).status;
        if (status === 404) {
          this.unknown.set(id, this.now() + this.negativeTtlMs);
          throw unknownSchema(id, err);
        }
        if (attempt >= this.retries) throw unavailable(id, err);
        // Full jitter keeps many partitions from retrying in lockstep.
        await this.sleep(Math.round(delay / 2 + (Math.random() * delay) / 2));
        delay = Math.min(delay * 2, this.maxDelayMs);
      }
    }
  }
}

function unknownSchema(id: number, cause?: unknown): FloeError {
  return decodeError(DecodeCode.UnknownSchema, `schema id ${id} is not registered`, { schemaId: id }, cause);
}

function unavailable(id: number, cause: unknown): FloeError {
  const reason = (cause as HttpError)?.message ?? String(cause);
  return decodeError(DecodeCode.RegistryUnavailable, `schema registry unavailable fetching id ${id}: ${reason}`, { schemaId: id }, cause);
}

/** A fixed set of schemas: for tests, replay tools and topics with a pinned schema. */
export class StaticSchemaSource implements SchemaSource {
  private readonly schemas = new Map<number, WriterSchema>();
  /** subject → latest id, for latestId(). */
  readonly subjects = new Map<string, number>();
  constructor(schemas: Record<number, string | object> = {}) {
    for (const [id, s] of Object.entries(schemas)) this.add(Number(id), s);
  }
  add(id: number, schema: string | object): WriterSchema {
    if (typeof schema === 'object' && 'read' in schema) return this.put(schema as WriterSchema);
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    const ws = avroWriter(id, text, parseAvroSchema(text));
    this.schemas.set(id, ws);
    return ws;
  }
  /** Adds a writer of any format (see formats.ts), under its id. */
  put(writer: WriterSchema): WriterSchema {
    this.schemas.set(writer.id, writer);
    return writer;
  }
  peek(id: number): WriterSchema | undefined {
    return this.schemas.get(id);
  }
  async getSchema(id: number): Promise<WriterSchema> {
    const hit = this.schemas.get(id);
    if (!hit) throw unknownSchema(id);
    return hit;
  }
  async latestId(subject: string): Promise<number | undefined> {
    return this.subjects.get(subject);
  }
}
