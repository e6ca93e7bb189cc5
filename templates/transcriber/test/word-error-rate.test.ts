import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeWords, wordEditDistance, wordErrorRate } from './word-error-rate.ts';

test('normalizeWords lower-cases, drops punctuation and splits hyphens', () => {
  assert.deepEqual(normalizeWords("The chest X-ray: no fracture, patient's OK."), [
    'the',
    'chest',
    'x',
    'ray',
    'no',
    'fracture',
    "patient's",
    'ok',
  ]);
});

test('wordEditDistance counts substitutions, insertions and deletions', () => {
  const ref = ['a', 'b', 'c', 'd'];
  assert.equal(wordEditDistance(ref, ref), 0);
  assert.equal(wordEditDistance(ref, ['a', 'x', 'c', 'd']), 1); // one substitution
  assert.equal(wordEditDistance(ref, ['a', 'c', 'd']), 1); // one deletion
  assert.equal(wordEditDistance(ref, ['a', 'b', 'y', 'c', 'd']), 1); // one insertion
  assert.equal(wordEditDistance(ref, []), 4);
  assert.equal(wordEditDistance([], ['x', 'y']), 2);
  assert.equal(wordEditDistance(['kitten', 'sat'], ['sitting', 'sat', 'down']), 2);
});

test('wordErrorRate is total edits over total reference words, and can exceed 1', () => {
  const wer = wordErrorRate([
    { reference: 'one two three four', hypothesis: 'one two three four' },
    { reference: 'five six', hypothesis: 'five seven' },
  ]);
  assert.equal(wer, 1 / 6); // not the mean of 0 and 0.5
  assert.equal(wordErrorRate([{ reference: 'yes', hypothesis: 'no no no' }]), 3);
  assert.throws(() => wordErrorRate([{ reference: ' ', hypothesis: 'x' }]), RangeError);
});
