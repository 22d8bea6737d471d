import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../src/config/env.js';

describe('substituteEnv', () => {
  it('replaces ${VAR} in values, at any depth, and remembers which paths used one', () => {
    const r = substituteEnv({ kafka: { brokers: ['${HOST}:9092'], sasl: { password: '${PW}' } }, n: 3 }, { HOST: 'k1', PW: 's3cret' });
    expect(r.value).toEqual({ kafka: { brokers: ['k1:9092'], sasl: { password: 's3cret' } }, n: 3 });
    expect([...r.fromEnv].sort()).toEqual(['kafka.brokers[0]', 'kafka.sasl.password']);
    expect(r.issues).toEqual([]);
  });

  it('never touches keys', () => {
    const r = substituteEnv({ '${K}': 'v' }, { K: 'x' });
    expect(r.value).toEqual({ '${K}': 'v' });
  });

  it('uses the default after :- when the variable is unset or empty, like a shell', () => {
    expect(substituteEnv('${A:-fallback}', {}).value).toBe('fallback');
    expect(substituteEnv('${A:-fallback}', { A: '' }).value).toBe('fallback');
    expect(substituteEnv('${A:-fallback}', { A: 'set' }).value).toBe('set');
    expect(substituteEnv('${A:-}', {}).value).toBe('');
  });

  it('keeps $${ as a literal ${ and does not count it as a reference', () => {
    const r = substituteEnv({ s: 'cost $${X}' }, {});
    expect(r.value).toEqual({ s: 'cost ${X}' });
    expect(r.fromEnv.size).toBe(0);
    expect(r.issues).toEqual([]);
  });

  it('reports an unset variable, a bad name and an unterminated reference at their paths', () => {
    const r = substituteEnv({ a: ['${MISSING}'], b: '${1BAD}', c: 'x ${OPEN' }, {});
    expect(r.issues).toEqual([
      { path: ['a', 0], message: 'environment variable MISSING is not set (write ${MISSING:-default} to give a default)' },
      { path: ['b'], message: 'invalid environment variable name "1BAD" in "${1BAD}"' },
      { path: ['c'], message: 'unterminated environment reference in "x ${OPEN"' },
    ]);
  });

  it('leaves non-string scalars alone', () => {
    expect(substituteEnv({ a: 1, b: true, c: null }, {}).value).toEqual({ a: 1, b: true, c: null });
  });
});
