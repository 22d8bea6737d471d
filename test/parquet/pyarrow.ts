/**
 * pyarrow as an independent Parquet reader for tests: the Parquet-level schema (physical and
 * logical types, field ids, repetition) as pyarrow prints it, and the rows with every integer as a
 * string (exact beyond 2^53), temporal values as their raw integer counts, decimals as unscaled
 * integers, bytes as hex and non-finite floats as strings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = String.raw`
import sys, json, math, decimal
import pyarrow as pa, pyarrow.parquet as pq

path = sys.argv[1]
pf = pq.ParquetFile(path)

def ints_for_temporal(t):
    if pa.types.is_timestamp(t) or pa.types.is_time64(t): return pa.int64()
    if pa.types.is_date32(t): return pa.int32()
    if pa.types.is_struct(t): return pa.struct([f.with_type(ints_for_temporal(f.type)) for f in t])
    if pa.types.is_map(t): return pa.map_(ints_for_temporal(t.key_type), t.item_field.with_type(ints_for_temporal(t.item_type)))
    if pa.types.is_list(t): return pa.list_(t.value_field.with_type(ints_for_temporal(t.value_type)))
    return t

def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return str(v)
    if isinstance(v, float):
        if math.isnan(v): return 'NaN'
        if math.isinf(v): return 'Infinity' if v > 0 else '-Infinity'
        if v == 0 and math.copysign(1, v) < 0: return '-0'
        return v
    if isinstance(v, decimal.Decimal):
        sign, digits, exp = v.as_tuple()
        return ('-' if sign else '') + (''.join(map(str, digits)) or '0') + ('0' * exp if exp > 0 else '')
    if isinstance(v, (bytes, bytearray)): return {'hex': v.hex()}
    if isinstance(v, dict): return {k: enc(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)): return [enc(x) for x in v]
    raise TypeError(repr(type(v)))

table = pf.read()
target = pa.schema([f.with_type(ints_for_temporal(f.type)) for f in table.schema])
table = table.cast(target)

def arrow_field(f):
    md = f.metadata or {}
    out = {'name': f.name, 'type': str(f.type), 'nullable': f.nullable, 'id': int(md.get(b'PARQUET:field_id', b'-1'))}
    t = f.type
    kids = []
    if pa.types.is_struct(t): kids = list(t)
    elif pa.types.is_map(t): kids = [t.key_field, t.item_field]
    elif pa.types.is_list(t): kids = [t.value_field]
    if kids: out['children'] = [arrow_field(k) for k in kids]
    return out

md = pf.metadata
rgs = []
for r in range(md.num_row_groups):
    rg = md.row_group(r)
    cols = []
    for c in range(rg.num_columns):
        cc = rg.column(c)
        st = cc.statistics
        cols.append({'path': cc.path_in_schema, 'numValues': cc.num_values, 'compressed': cc.total_compressed_size,
                     'nullCount': st.null_count if st is not None and st.has_null_count else None,
                     'compression': cc.compression, 'physical': cc.physical_type,
                     'dictionaryPageOffset': cc.dictionary_page_offset if cc.has_dictionary_page else None,
                     'dataPageOffset': cc.data_page_offset})
    rgs.append({'rows': rg.num_rows, 'columns': cols})

print(json.dumps({
    'parquetSchema': str(pf.schema),
    'fields': [arrow_field(pq.read_schema(path).field(i)) for i in range(len(table.schema))],
    'rows': enc(table.to_pylist()),
    'rowGroups': rgs,
    'numRows': md.num_rows,
}))
`;

export interface PyField {
  name: string;
  type: string;
  nullable: boolean;
  id: number;
  children?: PyField[];
}

export interface PyResult {
  parquetSchema: string;
  fields: PyField[];
  rows: Record<string, unknown>[];
  rowGroups: { rows: number; columns: { path: string; numValues: number; compressed: number; nullCount: number | null; compression: string; physical: string; dictionaryPageOffset: number | null; dataPageOffset: number }[] }[];
  numRows: number;
}

export function readWithPyarrow(bytes: Uint8Array): PyResult {
  const dir = mkdtempSync(join(tmpdir(), 'floe-pq-'));
  try {
    const file = join(dir, 'f.parquet');
    writeFileSync(file, bytes);
    const out = execFileSync('python3', ['-c', SCRIPT, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(out) as PyResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
