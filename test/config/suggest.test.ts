import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions, ignoring case', () => {
    expect(editDistance('topicpatern', 'topicPattern')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'SAME')).toBe(0);
  });
});

describe('didYouMean', () => {
  const keys = ['topics', 'topicPattern', 'table', 'namespace', 'mode'];
  it('suggests the closest key for a plausible typo', () => {
    expect(didYouMean('topic', keys)).toBe('topics');
    expect(didYouMean('namespcae', keys)).toBe('namespace');
    expect(didYouMean('tabel', keys)).toBe('table');
  });
  it('suggests nothing for a word that is no typo of any key', () => {
    expect(didYouMean('compression', keys)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
