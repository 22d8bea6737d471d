/**
 * The text of a mapping's `startFrom`: `earliest`, `latest` or an ISO-8601 timestamp. Parsed here
 * (validation reports the problem with its path); src/source resolves it against the brokers.
 */
export type StartFrom = 'earliest' | 'latest' | { timestamp: number };

/**
 * ISO-8601: a date (midnight UTC) or a date-time with seconds optional and a zone required (`Z` or
 * `+02:00`); a zone-less date-time would mean different instants on different machines.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** The accepted shapes, also the JSON Schema's pattern for editors. */
export const START_FROM_SHAPE = new RegExp(`^(?:earliest|latest|${ISO_8601.source.slice(1, -1)})$`);
export const START_FROM_EXPECTED = 'expected "earliest", "latest" or an ISO-8601 timestamp with a zone (2026-12-01T08:00:00Z)';

/** `earliest`, `latest` or an ISO-8601 timestamp; a reason when the text is none of them. */
export function parseStartFrom(text: string): StartFrom | { problem: string } {
  if (text === 'earliest' || text === 'latest') return text;
  if (!ISO_8601.test(text)) {
    return { problem: `${START_FROM_EXPECTED}, got ${JSON.stringify(text)}` };
  }
  const ms = Date.parse(text);
  // Date.parse accepts 2026-02-30 (rolling it over); the round trip of the date part catches that.
  if (Number.isNaN(ms) || !sameCalendarDate(text, ms)) return { problem: `${JSON.stringify(text)} is not a valid date` };
  if (ms < 0) return { problem: `${JSON.stringify(text)} is before 1970: Kafka timestamps start at the epoch` };
  return { timestamp: ms };
}

function sameCalendarDate(text: string, ms: number): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Compare in the text's own zone: shift by its offset before reading the date back.
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const offsetMs = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) * 60_000 : 0;
  const local = new Date(ms + offsetMs);
  return local.getUTCFullYear() === y && local.getUTCMonth() + 1 === m && local.getUTCDate() === d;
}

