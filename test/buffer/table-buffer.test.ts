import { describe, expect, it } from 'vitest';
import { TableBuffer, type RowSink } from '../../src/buffer/table-buffer.js';

class ArraySink implements RowSink<{ v: number }> {
  rows: { v: number }[] = [];
  append(row: { v: number }): void {
    this.rows.push(row);
  }
  get byteSize(): number {
    return this.rows.length * 8;
  }
  get rowCount(): number {
    return this.rows.length;
  }
}

describe('TableBuffer', () => {
  it('keeps partitions and topics apart when records alternate between them, and after a drain', () => {
    // The buffer remembers the last range it looked up; alternating lookups must never mix them.
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink());
    buf.startRange('t', 0, 5n, 5n);
    buf.startRange('u', 0, undefined, 0n);
    buf.startRange('t', 1, undefined, 7n);
    buf.advance('t', 0, 5n, 1, 1);
    buf.advance('u', 0, 0n, 1, 1);
    buf.advance('t', 1, 7n, 1, 1);
    buf.advance('t', 0, 6n, 1, 1);
    buf.advance('t', 1, 9n, 1, 1);
    expect(buf.drain().ranges).toEqual([
      { topic: 't', partition: 0, base: 5n, next: 7n },
      { topic: 'u', partition: 0, base: undefined, next: 1n },
      { topic: 't', partition: 1, base: undefined, next: 10n },
    ]);
    // After a drain no range exists until one is started again: the remembered one is forgotten.
    expect(buf.hasRange('t', 1)).toBe(false);
    expect(() => buf.advance('t', 1, 10n, 1, 1)).toThrow(/no range started/);
    buf.startRange('t', 1, 10n, 10n);
    buf.advance('t', 1, 10n, 1, 1);
    expect(buf.drain().ranges).toEqual([{ topic: 't', partition: 1, base: 10n, next: 11n }]);
  });

  it('groups rows by partition and tracks the Kafka range of every partition', () => {
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink());
    buf.startRange('t', 0, 10n, 10n);
    buf.startRange('t', 1, undefined, 0n);
    buf.append('d=1', [1], { v: 1 });
    buf.advance('t', 0, 10n, 1000, 50);
    buf.append('d=2', [2], { v: 2 });
    buf.advance('t', 0, 11n, 3000, 50);
    // a dead-lettered record advances the range without a row
    buf.advance('t', 1, 0n, 2000, 10);
    expect(buf.byteSize).toBe(16);
    expect(buf.recordCount).toBe(3);
    const d = buf.drain();
    expect(d.partitions.map((p) => [p.key, p.sink.rowCount])).toEqual([
      ['d=1', 1],
      ['d=2', 1],
    ]);
    expect(d.ranges).toEqual([
      { topic: 't', partition: 0, base: 10n, next: 12n },
      { topic: 't', partition: 1, base: undefined, next: 1n },
    ]);
    expect(d.newestTimestampMs).toBe(3000);
    expect(d.inputBytes).toBe(110);
    expect(buf.isEmpty).toBe(true);
    expect(buf.hasRange('t', 0)).toBe(false);
  });

  it('counts a record without a timestamp (-1) as waiting since it was read, so freshness cannot read 0 while it waits', () => {
    let now = 5_000;
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink(), () => now);
    buf.startRange('t', 0, undefined, 0n);
    buf.advance('t', 0, 0n, -1, 10);
    expect(buf.oldestTimestamp).toBe(5_000);
    now = 9_000;
    buf.advance('t', 0, 1n, 2_000, 10); // an older timestamped record is older still
    buf.advance('t', 0, 2n, -1, 10);
    expect(buf.oldestTimestamp).toBe(2_000);
    expect(buf.drain().oldestTimestampMs).toBe(2_000);
  });

  it('remembers how long after its Kafka timestamp the first record of each buffer was read', () => {
    let now = 10_000;
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink(), () => now);
    expect(buf.readDelayMs).toBe(0);
    buf.startRange('t', 0, undefined, 0n);
    buf.advance('t', 0, 0n, 9_940, 10);
    now = 10_500;
    buf.advance('t', 0, 1n, 10_499, 10); // later records do not change it
    expect(buf.readDelayMs).toBe(60);
    buf.drain();
    expect(buf.readDelayMs).toBe(0);
    buf.startRange('t', 0, 2n, 2n);
    buf.advance('t', 0, 2n, -1, 10); // no timestamp: nothing known
    expect(buf.readDelayMs).toBe(0);
  });

  it('refuses to advance a partition whose range was never started', () => {
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink());
    expect(() => buf.advance('t', 0, 1n, 0, 1)).toThrow(/no range/);
  });

  it('passes move a range past records of other tables without counting them as records', () => {
    let now = 1_000;
    const buf = new TableBuffer<{ v: number }, ArraySink>(() => new ArraySink(), () => now);
    buf.startRange('t', 0, 5n, 5n);
    buf.pass('t', 0, 8n);
    expect(buf.isEmpty).toBe(false);
    expect(buf.recordCount).toBe(0);
    expect(buf.passCount).toBe(1);
    now = 60_000;
    // no record waits: passes start no commit interval and no freshness clock
    expect(buf.ageMs()).toBe(0);
    expect(buf.oldestTimestamp).toBeUndefined();
    buf.pass('t', 0, 7n); // never backwards
    const d = buf.drain();
    expect(d.ranges).toEqual([{ topic: 't', partition: 0, base: 5n, next: 8n }]);
    expect(d.records).toBe(0);
    expect(buf.isEmpty).toBe(true);
    expect(buf.passCount).toBe(0);
  });
});
