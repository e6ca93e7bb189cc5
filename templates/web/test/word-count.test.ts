import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointError } from '@blindbox/sdk';
import { WordCount } from '../src/word-count.ts';

test('count counts words and characters (not UTF-16 units)', async () => {
  assert.deepEqual(await new WordCount().count({ text: '  Grüße aus  Köln 🎉 ' }), {
    words: 4,
    characters: 20,
  });
  assert.deepEqual(await new WordCount().count({ text: '' }), { words: 0, characters: 0 });
});

test('count refuses a text over the limit', async () => {
  await assert.rejects(
    new WordCount().count({ text: 'a'.repeat(100_001) }),
    (err: unknown) => err instanceof EndpointError && err.code === 'TEXT_TOO_LONG',
  );
});
