/**
 * The small-record workload (issue 16): a 17-field Avro record of ~212 bytes Confluent-framed,
 * like a click or order event without an opaque payload. At this size per-record costs dominate
 * (decode calls, builder appends, string conversions), which MiB/s figures on the ~1 KiB event
 * hide: compare workloads in records per CPU second.
 */
import avro from 'avsc';
import { frame } from '../src/decode/index.js';

export const SMALL_SCHEMA = {
  type: 'record',
  name: 'Click',
  namespace: 'bench',
  fields: [
    { name: 'click_id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'user_id', type: 'long' },
    { name: 'session_id', type: 'long' },
    { name: 'kind', type: { type: 'enum', name: 'ClickKind', symbols: ['VIEW', 'CLICK', 'BUY', 'SIGNUP', 'LOGOUT'] } },
    { name: 'page', type: 'string' },
    { name: 'referrer', type: ['null', 'string'], default: null },
    { name: 'country', type: ['null', 'string'], default: null },
    { name: 'device', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'quantity', type: 'int' },
    { name: 'discount', type: ['null', 'float'], default: null },
    { name: 'is_mobile', type: 'boolean' },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'campaign', type: ['null', 'string'], default: null },
    { name: 'latency_ms', type: 'int' },
    { name: 'score', type: 'double' },
  ],
};

const DEVICES = ['desktop', 'phone', 'tablet', 'tv', 'watch'];
const COUNTRIES = ['DE', 'US', 'FR', 'JP', 'BR', 'IN', 'GB', 'NL', 'SE'];

/** Deterministic, varied small records (~212 bytes framed on average). */
export function makeSmallRecords(n: number): Buffer[] {
  const type = avro.Type.forSchema(SMALL_SCHEMA as avro.Schema);
  const out: Buffer[] = [];
  for (let k = 0; k < n; k++) {
    const h = ((k * 2654435761) >>> 0).toString(16).padStart(8, '0');
    const value = {
      click_id: `${h}-${h.slice(0, 4)}-4${h.slice(1, 4)}-8${h.slice(5, 8)}-${h}${h.slice(0, 4)}`,
      ts: 1_700_000_000_000_000 + k * 1000,
      user_id: (k * 7919) % 1_000_003,
      session_id: 9_000_000_000 + ((k * 31) % 50_000),
      kind: ['VIEW', 'CLICK', 'BUY', 'SIGNUP', 'LOGOUT'][k % 5],
      page: `/shop/category-${k % 97}/product-${(k * 13) % 10_007}/details?pos=${k % 12}&list=homepage`,
      referrer: k % 3 === 0 ? null : `https://search.example.org/results?q=item+${(k * 17) % 5003}&p=${k % 9}`,
      country: k % 10 === 0 ? null : COUNTRIES[k % COUNTRIES.length],
      device: `${DEVICES[k % DEVICES.length]}/chrome-${100 + (k % 30)}`,
      price: ((k * 37) % 100_000) / 100,
      quantity: k % 17,
      discount: k % 4 === 0 ? ((k % 50) / 100) : null,
      is_mobile: k % 3 === 1,
      day: 19_000 + (k % 365),
      campaign: k % 2 === 0 ? null : `newsletter-spring-sale-c${k % 41}`,
      latency_ms: (k * 7) % 2000,
      score: (k % 1000) / 7,
    };
    out.push(frame(1, type.toBuffer(value)));
  }
  return out;
}
