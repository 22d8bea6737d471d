/**
 * A minimal client of Trino's HTTP protocol: POST the statement to /v1/statement, then follow
 * `nextUri` until it is gone, collecting `columns` and `data`. No client package needed.
 *
 * Values keep Trino's own JSON encoding, parsed losslessly: every JSON number comes back as its
 * literal text (Trino sends bigint as a bare JSON number, which JSON.parse would round past 2^53,
 * and real/double as Java's shortest rendering), and maps (JSON objects) come back as JS Maps in
 * the order Trino sent their entries. Rows are arrays of field values, varbinary is base64,
 * NaN/Infinity are the strings "NaN"/"Infinity".
 */

export type TrinoValue = null | boolean | string | TrinoValue[] | Map<string, TrinoValue>;

export interface TrinoResult {
  columns: { name: string; type: string }[];
  rows: TrinoValue[][];
}

export class TrinoError extends Error {
  constructor(
    message: string,
    readonly errorName: string | undefined,
    readonly query: string,
  ) {
    super(message);
    this.name = 'TrinoError';
  }
}

interface StatementResponse {
  nextUri?: string | undefined;
  columns?: { name: string; type: string }[] | null;
  data?: TrinoValue[][] | undefined;
  error?: { message: string; errorName?: string } | null;
}

export class TrinoClient {
  constructor(
    readonly url: string,
    private readonly session: { user?: string; timeZone?: string } = {},
  ) {}

  async query(sql: string, opts: { timeoutMs?: number } = {}): Promise<TrinoResult> {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      try {
        return await this.queryOnce(sql, deadline);
      } catch (e) {
        // For a few seconds after start-up the coordinator has not yet learnt which nodes serve a
        // catalog (its node list refreshes every few seconds) and fails scans with
        // NO_NODES_AVAILABLE before running anything, so the query is safe to send again.
        if (!(e instanceof TrinoError) || e.errorName !== 'NO_NODES_AVAILABLE' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async queryOnce(sql: string, deadline: number): Promise<TrinoResult> {
    const headers = {
      'X-Trino-User': this.session.user ?? 'floe',
      'X-Trino-Source': 'floe-tests',
      // timestamp(6) with time zone renders in its stored zone (UTC for Iceberg); the session zone
      // matters for casts and current_timestamp only, and UTC keeps those machine-independent.
      'X-Trino-Time-Zone': this.session.timeZone ?? 'UTC',
      // Without it Trino treats us as a pre-2020 client: it reports timestamp(6) as `timestamp` and
      // sends values rounded to milliseconds. With it, types and values keep their precision.
      'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
    };
    let res = await this.fetchJson(`${this.url}/v1/statement`, { method: 'POST', headers, body: sql }, sql);
    const result: TrinoResult = { columns: [], rows: [] };
    for (;;) {
      if (res.error) throw new TrinoError(`${res.error.errorName ?? 'error'}: ${res.error.message}`, res.error.errorName, sql);
      if (res.columns) result.columns = res.columns.map((c) => ({ name: c.name, type: c.type }));
      if (res.data) result.rows.push(...res.data);
      if (!res.nextUri) return result;
      if (Date.now() > deadline) {
        await fetch(res.nextUri, { method: 'DELETE', headers }).catch(() => undefined);
        throw new TrinoError('query timed out (cancelled)', undefined, sql);
      }
      res = await this.fetchJson(res.nextUri, { headers }, sql);
    }
  }

  private async fetchJson(url: string, init: RequestInit, sql: string): Promise<StatementResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
      // The protocol says to retry 429/502/503/504 after a short wait.
      if ([429, 502, 503, 504].includes(res.status) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new TrinoError(`HTTP ${res.status} from ${url}: ${text.slice(0, 500)}`, undefined, sql);
      const body = parseJsonLossless(text);
      if (!(body instanceof Map)) throw new TrinoError(`unexpected answer from ${url}: ${text.slice(0, 200)}`, undefined, sql);
      // The envelope's fields as plain objects; `data` keeps its lossless values.
      return {
        nextUri: body.get('nextUri') as string | undefined,
        columns: plain(body.get('columns') ?? null) as StatementResponse['columns'],
        data: (body.get('data') ?? undefined) as TrinoValue[][] | undefined,
        error: plain(body.get('error') ?? null) as StatementResponse['error'],
      };
    }
  }
}

/** JSON.parse, except numbers stay their literal text and objects become ordered Maps. */
export function parseJsonLossless(text: string): TrinoValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`bad JSON at ${i}: ${what}`);
  };
  const str = (): string => {
    // The string token, escapes included, is valid JSON on its own: let JSON.parse decode it.
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    return JSON.parse(text.slice(start, ++i)) as string;
  };
  const value = (): TrinoValue => {
    ws();
    const ch = text[i];
    if (ch === '"') return str();
    if (ch === '[') {
      i++;
      const out: TrinoValue[] = [];
      ws();
      if (text[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, out;
        else fail('expected , or ]');
      }
    }
    if (ch === '{') {
      i++;
      const out = new Map<string, TrinoValue>();
      ws();
      if (text[i] === '}') return i++, out;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = str();
        ws();
        if (text[i++] !== ':') fail('expected :');
        out.set(key, value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, out;
        else fail('expected , or }');
      }
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), v;
    }
    const num = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!num) return fail('unexpected token');
    i += num[0].length;
    return num[0];
  };
  const out = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return out;
}

/** A parsed JSON object as a plain object (for protocol fields, whose order does not matter). */
export function plain(v: TrinoValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
