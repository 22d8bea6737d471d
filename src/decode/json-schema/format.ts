/**
 * JSON Schema behind the format interface (Confluent wire format: magic byte, schema id, then the
 * UTF-8 JSON text). The payload is validated against its registered schema with Ajv (draft-07, or
 * 2019-09 / 2020-12 when `$schema` says so; registry references are added under their names), then
 * converted into the writer model the mapper derived from the same schema. Not JSON →
 * DECODE_INVALID_JSON; JSON that the schema refuses, or that the model cannot hold exactly →
 * DECODE_SCHEMA_VIOLATION with the path and the reason.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAvroSchema } from '../avro.js';
import { DecodeCode, decodeError } from '../errors.js';
import type { ResolvedReference, SchemaFormatLoader, WriterSchema } from '../writer.js';
import { parseExact } from './exact-json.js';
import { JsonSchemaMapper, toAvro, type Json } from './mapper.js';
import { node, Violation } from './values.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const LONG_DIGITS = /\d{16}/;

function validator(root: Json, references: readonly ResolvedReference[]): ValidateFunction {
  const draft = typeof root === 'object' && typeof root.$schema === 'string' ? root.$schema : '';
  // Formats are checked by the converter (values.ts), exactly as the model needs them; Ajv checks
  // every other keyword. Unknown keywords (connect.*, aliases) are annotations, not errors.
  const options = { strict: false, allErrors: false, validateFormats: false, validateSchema: false, addUsedSchema: false } as const;
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  const strip = (s: unknown): object => {
    // Ajv's draft-07 class knows no draft-04/06 meta-schema; their keywords it reads are the same.
    if (typeof s !== 'object' || s === null) return s as object;
    const o = { ...(s as Record<string, unknown>) };
    if (typeof o.$schema === 'string' && !/2019-09|2020-12|draft-07/.test(o.$schema)) delete o.$schema;
    return o;
  };
  for (const r of references) ajv.addSchema(strip(JSON.parse(r.schema)), r.name);
  return ajv.compile(strip(root));
}

function describe(errors: ValidateFunction['errors']): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`)
    .join('; ');
}

export const jsonSchemaFormat: SchemaFormatLoader = {
  load(id, schema, references) {
    const root = JSON.parse(schema) as Json;
    const byName = new Map(references.map((r) => [r.name, JSON.parse(r.schema) as Json]));
    const mapper = new JsonSchemaMapper({ root, byName });
    const record = mapper.root();
    const text = JSON.stringify(toAvro(record));
    const type = parseAvroSchema(text);
    const convert = node(record);
    const validate = validator(root, references);
    const writer: WriterSchema = {
      id,
      key: String(id),
      format: 'json-schema',
      record: mapper.title(root) ?? '',
      text,
      type,
      read(buf, offset) {
        let body: string;
        let parsed: unknown;
        try {
          body = utf8.decode(buf.subarray(offset));
          parsed = JSON.parse(body);
        } catch (err) {
          throw decodeError(DecodeCode.InvalidJson, `body of schema ${id} is not JSON: ${(err as Error).message}`, { schemaId: id }, err);
        }
        if (!validate(parsed)) {
          throw decodeError(DecodeCode.SchemaViolation, `body does not validate against JSON Schema ${id}: ${describe(validate.errors)}`, { schemaId: id });
        }
        try {
          // Only a text with a 16+ digit run can hold numbers JSON.parse rounded: read those exactly.
          const exact = LONG_DIGITS.test(body) ? parseExact(body) : parsed;
          return { writer, value: convert(exact, '') };
        } catch (err) {
          if (!(err instanceof Violation)) throw err;
          throw decodeError(DecodeCode.SchemaViolation, `body of JSON Schema ${id} cannot be stored exactly: ${err.message}`, { schemaId: id }, err);
        }
      },
    };
    return writer;
  },
};
