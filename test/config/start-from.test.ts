import { describe, expect, it } from 'vitest';
import { START_FROM_SHAPE, parseStartFrom } from '../../src/config/start-from.js';

describe('parseStartFrom', () => {
  it('reads earliest, latest and ISO-8601 timestamps with a zone', () => {
    expect(parseStartFrom('earliest')).toBe('earliest');
    expect(parseStartFrom('latest')).toBe('latest');
    expect(parseStartFrom('2026-12-01T08:00:00Z')).toEqual({ timestamp: Date.UTC(2026, 11, 1, 8) });
    expect(parseStartFrom('2026-12-01T09:00:00+01:00')).toEqual({ timestamp: Date.UTC(2026, 11, 1, 8) });
    expect(parseStartFrom('2026-12-01T08:00Z')).toEqual({ timestamp: Date.UTC(2026, 11, 1, 8) });
    expect(parseStartFrom('2026-12-01T08:00:00.250Z')).toEqual({ timestamp: Date.UTC(2026, 11, 1, 8, 0, 0, 250) });
    expect(parseStartFrom('2026-12-01')).toEqual({ timestamp: Date.UTC(2026, 11, 1) });
    // Late in the day with a negative offset: the calendar check reads the date in the text's zone.
    expect(parseStartFrom('2026-12-31T23:30:00-05:00')).toEqual({ timestamp: Date.UTC(2027, 0, 1, 4, 30) });
  });

  it('refuses what is none of them, saying why', () => {
    expect(parseStartFrom('yesterday')).toEqual({
      problem: 'expected "earliest", "latest" or an ISO-8601 timestamp with a zone (2026-12-01T08:00:00Z), got "yesterday"',
    });
    // A date-time without a zone means different instants on different machines.
    expect(parseStartFrom('2026-12-01T08:00:00')).toHaveProperty('problem');
    expect(parseStartFrom('Earliest')).toHaveProperty('problem');
    expect(parseStartFrom('1764576000000')).toHaveProperty('problem');
    expect(parseStartFrom('2026-02-30T00:00:00Z')).toEqual({ problem: '"2026-02-30T00:00:00Z" is not a valid date' });
    expect(parseStartFrom('2026-13-01')).toEqual({ problem: '"2026-13-01" is not a valid date' });
    expect(parseStartFrom('1969-12-31T00:00:00Z')).toEqual({ problem: '"1969-12-31T00:00:00Z" is before 1970: Kafka timestamps start at the epoch' });
  });

  it('the JSON Schema pattern accepts the same shapes', () => {
    for (const ok of ['earliest', 'latest', '2026-12-01', '2026-12-01T08:00:00Z', '2026-12-01T08:00+02:00']) expect(START_FROM_SHAPE.test(ok), ok).toBe(true);
    for (const bad of ['', 'now', '2026-12-01T08:00:00', 'latest ']) expect(START_FROM_SHAPE.test(bad), bad).toBe(false);
  });
});
