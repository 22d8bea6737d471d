/**
 * Confluent's field option `(confluent.field_meta)` (extension 1088 of FieldOptions, a
 * `confluent.Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }`)
 * in both forms a registry hands back. protobufjs's descriptor reader skips extensions, so a
 * descriptor-form schema is read a second time with a reader of only the path to the option;
 * protobufjs's .proto parser keeps custom options, but not a list of messages (`params: [{…}, {…}]`,
 * the text-format spelling of repeated message values), which `expandMessageLists` respells.
 */
import protobuf from 'protobufjs';

/** The few descriptor fields on the way to field_meta; every other field is skipped on read. */
const PATH = protobuf.parse(`
syntax = "proto2";
message File { optional string package = 2; repeated Msg message_type = 4; }
message Msg { optional string name = 1; repeated Fld field = 2; repeated Msg nested_type = 3; }
message Fld { optional string name = 1; optional Opts options = 8; }
message Opts { optional Meta field_meta = 1088; }
message Meta { map<string, string> params = 2; }
`, { keepCase: true }).root.lookupType('File');

interface Msg {
  name?: string;
  field?: { name?: string; options?: { field_meta?: { params?: Record<string, string> } } }[];
  nested_type?: Msg[];
}

/** `message.full.Name.field` → its field_meta params, for every field of a FileDescriptorProto that has them. */
export function descriptorFieldMeta(bytes: Uint8Array, into: Map<string, Record<string, string>>): void {
  const file = PATH.toObject(PATH.decode(bytes), { defaults: false }) as { package?: string; message_type?: Msg[] };
  const walk = (m: Msg, prefix: string): void => {
    const full = `${prefix}${m.name ?? ''}`;
    for (const f of m.field ?? []) {
      const params = f.options?.field_meta?.params;
      if (params && Object.keys(params).length > 0) into.set(`${full}.${f.name ?? ''}`, { ...params });
    }
    for (const n of m.nested_type ?? []) walk(n, `${full}.`);
  };
  for (const m of file.message_type ?? []) walk(m, file.package ? `${file.package}.` : '');
}

/**
 * Respells `name: [ {…}, {…} ]` inside option values as `name {…} name {…}` (the same value in
 * protobuf's text format), which protobufjs 7 parses; strings and comments are copied untouched.
 * Text without such a list is returned as it is.
 */
export function expandMessageLists(text: string): string {
  if (!/:\s*\[\s*\{/.test(text)) return text;
  let out = '';
  let i = 0;
  // Copies a string or comment starting at i, if one does; returns whether it did.
  const skipOpaque = (): boolean => {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      return true;
    }
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 1;
      const j = end <= 0 ? text.length : end + 1;
      out += text.slice(i, j);
      i = j;
      return true;
    }
    return false;
  };
  const list = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\[\s*\{/;
  while (i < text.length) {
    if (skipOpaque()) continue;
    const m = /[A-Za-z_]/.test(text[i]!) && !/[A-Za-z0-9_.]/.test(text[i - 1] ?? ' ') ? list.exec(text.slice(i, i + 200)) : null;
    if (!m) {
      out += text[i++];
      continue;
    }
    // Split the list at its top-level commas; every element must be a message literal.
    const name = m[1]!;
    let j = i + m[0].length - 1;
    const items: string[] = [];
    let depth = 0;
    let start = j;
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (c === '"' || c === "'") {
        for (j++; j < text.length && text[j] !== c; j += text[j] === '\\' ? 2 : 1);
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) {
        items.push(text.slice(start, j).trim());
        start = j + 1;
      }
    }
    items.push(text.slice(start, j).trim());
    if (text[j] !== ']' || !items.every((x) => x.startsWith('{') && x.endsWith('}'))) {
      out += text[i++];
      continue;
    }
    // Nested lists inside an element are respelled too.
    out += items.map((x) => `${name} ${expandMessageLists(x)}`).join(' ');
    i = j + 1;
  }
  return out;
}
