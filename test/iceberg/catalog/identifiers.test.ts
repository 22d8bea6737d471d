import { describe, expect, it } from 'vitest';
import { identifierProblem, MAX_NAME_LENGTH } from '../../../src/iceberg/catalog/identifiers.js';

// Each clause of docs/catalog.md, Security, "Identifiers" (the catalog server and the configuration share this rule).
describe('the identifier rule', () => {
  it('accepts plain names, dots and non-ASCII letters inside them', () => {
    for (const ok of ['orders', 'a.b', '...x', 'über', 'x'.repeat(MAX_NAME_LENGTH), '😀']) expect(identifierProblem(ok), ok).toBeUndefined();
  });

  it('refuses what could leave its directory or be rewritten when stored', () => {
    const refused: Array<[unknown, RegExp]> = [
      [3, /string/],
      ['', /empty/],
      ['x'.repeat(MAX_NAME_LENGTH + 1), /at most 255/],
      ['.', /"\." or "\.\."/],
      ['..', /"\." or "\.\."/],
      ['a/b', /"\/"/],
      ['a\\b', /"\/" or "\\"/],
      ['a\u0000b', /control/],
      ['a\u001fb', /control/],
      ['a\u007fb', /control/],
      ['a\u0085b', /control/],
      ['a\u009fb', /control/],
      ['a\ud800b', /lone surrogates/],
      ['a\udc00', /lone surrogates/],
      ['a\ufffdb', /U\+FFFD/],
    ];
    for (const [name, reason] of refused) expect(identifierProblem(name), JSON.stringify(name)).toMatch(reason);
  });
});
