/**
 * Builds one protobufjs `Root` from a registered Protobuf schema and its references. The registry
 * hands a schema back either as .proto text (Confluent's registry) or as a base64
 * `FileDescriptorProto` (Apicurio stores what Confluent's serializers register, which is the
 * descriptor): both are read. Imports of well-known types are usually not registered as references
 * (the serializers skip them), so floe carries their definitions: google/protobuf/* (protobufjs's
 * own copies), google/type/date.proto, google/type/decimal.proto, and Confluent's
 * confluent/meta.proto and confluent/type/decimal.proto (Java's name; Python's is
 * confluent/types/decimal.proto). A file a reference does provide is never defined twice.
 * Confluent's `(confluent.field_meta)` field options are collected per field (field-meta.ts).
 */
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { ResolvedReference } from '../writer.js';
import { descriptorFieldMeta, expandMessageLists } from './field-meta.js';

const { Root, Type, Enum } = protobuf;
type Root = protobuf.Root;
type Type = protobuf.Type;

const GOOGLE_TYPES: Record<string, string> = {
  'google/type/date.proto': 'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/decimal.proto': 'syntax = "proto3"; package google.type; message Decimal { string value = 1; }',
  // Only the option's message: protobufjs keeps a custom option without its extension declared, and
  // declaring it would need google/protobuf/descriptor.proto in every root.
  'confluent/meta.proto': 'syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }',
  'confluent/type/decimal.proto': 'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
};
/** Other names a bundled file goes by: a reference under any of them provides it. */
const ALIASES: Record<string, string[]> = { 'confluent/type/decimal.proto': ['confluent/types/decimal.proto'] };
const COMMON = ['any', 'duration', 'timestamp', 'empty', 'struct', 'wrappers', 'field_mask'];

/** A base64 FileDescriptorProto has no spaces, braces or semicolons; .proto text always has some. */
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

export interface ProtoFile {
  /** Full names of the file's top-level messages, in declaration order (index path level one). */
  messages: string[];
  /**
   * Text form only: per message full name, its nested types as protoc's descriptor lists them —
   * nested messages and the synthetic entry type of each map field, in source order (an entry is
   * undefined: no record can be one). Index paths count in this order; protobufjs keeps no entry
   * types for text maps, so its own nested list would shift every index after a map field.
   */
  nested?: Map<string, (string | undefined)[]>;
  /** Full names of map-entry messages (descriptor form), which are maps, not lists of structs. */
  mapEntries: Set<string>;
  /** Descriptor form: `(confluent.field_meta).params` by `message.full.Name.field` (text form: protobufjs keeps them on the field). */
  fieldMeta: Map<string, Record<string, string>>;
}

function isDescriptor(text: string): boolean {
  return !/[{};]/.test(text) && BASE64.test(text.trim());
}

function addDescriptor(root: Root, text: string, mapEntries: Set<string>, fieldMeta: Map<string, Record<string, string>>): string[] {
  const bytes = Buffer.from(text.trim(), 'base64');
  const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as FileDescriptorProto;
  descriptorFieldMeta(bytes, fieldMeta);
  const pkg = file.package ?? '';
  const ns = pkg ? root.define(pkg) : root;
  const prefix = pkg ? `${pkg}.` : '';
  const edition = file.syntax === 'proto3' ? 'proto3' : file.syntax === 'editions' ? undefined : 'proto2';
  const collect = (d: DescriptorProto, at: string): void => {
    for (const n of d.nestedType ?? []) {
      if (n.options?.mapEntry) mapEntries.add(`${at}.${n.name}`);
      collect(n, `${at}.${n.name}`);
    }
  };
  const names: string[] = [];
  for (const m of file.messageType ?? []) {
    ns.add((Type as unknown as FromDescriptor).fromDescriptor(m, edition));
    names.push(prefix + m.name);
    collect(m, prefix + m.name);
  }
  for (const e of file.enumType ?? []) ns.add((Enum as unknown as FromDescriptor).fromDescriptor(e, edition));
  return names;
}

function addText(root: Root, source: string): { names: string[]; nested: Map<string, (string | undefined)[]> } {
  const text = expandMessageLists(source);
  // Parse alone first: the file's own top-level messages, in order, for the index path.
  const alone = protobuf.parse(text, new Root(), { keepCase: true });
  const ns = alone.package ? alone.root.lookup(alone.package) : alone.root;
  const names = ((ns as protobuf.Namespace | null)?.nestedArray ?? []).filter((n): n is Type => n instanceof Type).map((t) => t.fullName.slice(1));
  protobuf.parse(text, root, { keepCase: true });
  return { names, nested: nestedOrder(text, alone.package ?? '') };
}

/**
 * The nested types of every message of a .proto text in protoc's order: protoc adds a map field's
 * entry type to the message's nested types where the field is declared, among the nested messages
 * (and a proto2 group's type where the group is). A scan of the tokens, comments and strings
 * skipped, tracking which braces open a message.
 */
export function nestedOrder(text: string, pkg: string): Map<string, (string | undefined)[]> {
  const tokens = text
    .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .match(/[A-Za-z_][A-Za-z0-9_.]*|[{}<>;=]/g) ?? [];
  const out = new Map<string, (string | undefined)[]>();
  // One entry per open brace: the message's full name, or undefined for any other block.
  const scopes: (string | undefined)[] = [];
  let opening: string | undefined;
  const current = () => scopes.at(-1);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '{') {
      scopes.push(opening);
      opening = undefined;
    } else if (t === '}') {
      scopes.pop();
    } else if ((t === 'message' || t === 'group') && /^[A-Za-z_]/.test(tokens[i + 1] ?? '') && (t === 'message' || current() !== undefined)) {
      const name = tokens[i + 1]!;
      const parent = current();
      const full = parent !== undefined ? `${parent}.${name}` : pkg ? `${pkg}.${name}` : name;
      if (scopes.length === 0 || parent !== undefined) {
        if (parent !== undefined) out.get(parent)!.push(name);
        out.set(full, out.get(full) ?? []);
        opening = full;
      }
      i++;
    } else if (t === 'map' && tokens[i + 1] === '<' && current() !== undefined) {
      out.get(current()!)!.push(undefined);
    }
  }
  return out;
}

/** Parses the schema and its references (dependencies first) into one resolved root. */
export function loadProto(schema: string, references: readonly ResolvedReference[]): { root: Root; file: ProtoFile } {
  const root = new Root();
  const mapEntries = new Set<string>();
  const fieldMeta = new Map<string, Record<string, string>>();
  const provided = new Set(references.map((r) => r.name));
  for (const name of COMMON) {
    const file = `google/protobuf/${name}.proto`;
    if (!provided.has(file)) root.addJSON((protobuf.common.get(file) as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
  }
  for (const [file, text] of Object.entries(GOOGLE_TYPES)) {
    if (![file, ...(ALIASES[file] ?? [])].some((f) => provided.has(f))) protobuf.parse(text, root, { keepCase: true });
  }
  for (const r of references) {
    if (isDescriptor(r.schema)) addDescriptor(root, r.schema, mapEntries, fieldMeta);
    else addText(root, r.schema);
  }
  const text = isDescriptor(schema) ? undefined : addText(root, schema);
  const messages = text ? text.names : addDescriptor(root, schema, mapEntries, fieldMeta);
  root.resolveAll();
  if (messages.length === 0) throw new Error('the Protobuf schema defines no message');
  return { root, file: { messages, mapEntries, fieldMeta, ...(text ? { nested: text.nested } : {}) } };
}

/** The message a Confluent index path names: top-level message, then nested messages, in declaration order. */
export function messageAt(root: Root, file: ProtoFile, path: readonly number[]): Type | undefined {
  const top = file.messages[path[0] ?? 0];
  let type = top === undefined ? undefined : root.lookupType(top);
  for (const i of path.slice(1)) {
    if (!type) return undefined;
    const order = file.nested?.get(type.fullName.slice(1));
    if (order) {
      // Text form: count as protoc does, map entry types included (they name no record).
      const name = order[i];
      type = name === undefined ? undefined : (type.nested?.[name] as Type | undefined);
    } else {
      type = type.nestedArray.filter((n): n is Type => n instanceof Type)[i];
    }
  }
  return type instanceof Type ? type : undefined;
}

interface DescriptorProto {
  name: string;
  nestedType?: DescriptorProto[];
  options?: { mapEntry?: boolean };
}
interface FileDescriptorProto {
  package?: string;
  syntax?: string;
  messageType?: DescriptorProto[];
  enumType?: unknown[];
}
type FromDescriptor = { fromDescriptor(d: unknown, edition?: string): protobuf.ReflectionObject };
