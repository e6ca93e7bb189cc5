import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { EndpointError } from '@blindbox/sdk';
import { Hello } from '../src/hello.ts';

// The handlers are plain methods: test them directly. `npm run build` then checks that every endpoint's
// types can be expressed as schemas, and the simulator (`npm run serve`) runs them behind attestation.

test('greet answers in the language asked for', async () => {
  const hello = new Hello();
  assert.deepEqual(await hello.greet({ name: 'Ada' }), { message: 'Hello, Ada!' });
  assert.deepEqual(await hello.greet({ name: 'Ada', language: 'fr' }), { message: 'Bonjour, Ada!' });
});

test('greet refuses an empty name with a typed error the client receives', async () => {
  await assert.rejects(
    new Hello().greet({ name: '  ' }),
    (err: unknown) => err instanceof EndpointError && err.code === 'EMPTY_NAME',
  );
});

test('digest returns the size and SHA-256 of the upload', async () => {
  const data = new Uint8Array(1000).map((_, i) => i % 256);
  const out = await new Hello().digest({ data });
  assert.equal(out.size, 1000);
  assert.equal(out.sha256, createHash('sha256').update(data).digest('hex'));
});
