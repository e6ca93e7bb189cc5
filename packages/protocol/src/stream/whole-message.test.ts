import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAeadKey } from '../hpke/aead-key.js';
import { ProtocolError } from '../protocol-error.js';
import type { ChunkKey } from './chunk-key.js';
import { collectBytes } from './message-plaintext.js';
import { openChunks } from './open-chunks.js';
import { sealChunks } from './seal-chunks.js';
import { openWholeMessage, sealWholeMessage } from './whole-message.js';

const key = (aead: 'aes-128-gcm' | 'chacha20-poly1305'): ChunkKey => ({
  aead: createAeadKey(aead, new Uint8Array(aead === 'aes-128-gcm' ? 16 : 32).fill(3)),
  nonceBase: new Uint8Array(12).fill(9),
  seq: 41,
  aadPrefix: new Uint8Array(34).fill(5),
});

/** The streamed opener's verdict on a body: its plaintext, or its error code. */
async function streamed(k: ChunkKey, body: Uint8Array): Promise<Uint8Array | string> {
  try {
    return await collectBytes(openChunks(k, [body], { failCode: 'PROTOCOL_RESPONSE_TAMPERED' }), 1 << 30);
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

async function whole(k: ChunkKey, body: Uint8Array): Promise<Uint8Array | string> {
  try {
    return await openWholeMessage(k, body, 0, { failCode: 'PROTOCOL_RESPONSE_TAMPERED' });
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

describe('whole messages: the same frames as the streamed sealer and opener (docs/protocol.md §11.4)', () => {
  it('seals byte for byte what sealChunks does, and each opener opens the other', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.constantFrom('aes-128-gcm' as const, 'chacha20-poly1305' as const),
        async (plaintext, chunkLength, aead) => {
          const k = key(aead);
          const fast = await sealWholeMessage(k, plaintext, undefined, chunkLength);
          const slow = await collectBytes(sealChunks(k, plaintext, { chunkLength }), 1 << 30);
          expect(fast).toEqual(slow);
          expect(await whole(k, slow)).toEqual(plaintext);
          expect(await streamed(k, fast)).toEqual(plaintext);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('puts the prefix before the frames', async () => {
    const k = key('aes-128-gcm');
    const prefix = new Uint8Array([1, 2, 3]);
    const out = await sealWholeMessage(k, new Uint8Array(10), prefix);
    expect(out.subarray(0, 3)).toEqual(prefix);
    expect(await whole(k, out.subarray(3))).toEqual(new Uint8Array(10));
  });

  it('refuses every mutation, truncation and extension, each with a code the streamed opener also gives', async () => {
    const k = key('aes-128-gcm');
    const body = await sealWholeMessage(k, new Uint8Array(3000).fill(1), undefined, 1000);
    const codes = new Set(['PROTOCOL_RESPONSE_TAMPERED', 'PROTOCOL_TRUNCATED']);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(body.length - 1), bit: fc.nat(7) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(body.length - 1), bit: fc.constant(0) }),
          fc.record({ kind: fc.constant('extend' as const), at: fc.nat(255), bit: fc.constant(0) }),
        ),
        async ({ kind, at, bit }) => {
          let mutated: Uint8Array;
          if (kind === 'flip') {
            mutated = body.slice();
            mutated[at] = (mutated[at] as number) ^ (1 << bit);
          } else if (kind === 'cut') {
            mutated = body.subarray(0, at);
          } else {
            mutated = new Uint8Array(body.length + 1);
            mutated.set(body);
            mutated[body.length] = at;
          }
          const fast = await whole(k, mutated);
          const slow = await streamed(k, mutated);
          expect(typeof fast).toBe('string');
          expect(codes.has(fast as string)).toBe(true);
          expect(fast).toBe(slow);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('counts the plaintext against maxBytes and calls afterFirst once the first chunk authenticated', async () => {
    const k = key('aes-128-gcm');
    const body = await sealWholeMessage(k, new Uint8Array(3000), undefined, 1000);
    await expect(
      openWholeMessage(k, body, 0, { failCode: 'PROTOCOL_DECRYPT_FAILED', maxBytes: 2999 }),
    ).rejects.toMatchObject({ code: 'PROTOCOL_LIMIT_EXCEEDED' });
    let called = 0;
    await openWholeMessage(k, body, 0, { failCode: 'PROTOCOL_DECRYPT_FAILED', afterFirst: () => called++ });
    expect(called).toBe(1);
    const broken = body.slice();
    broken[10] = (broken[10] as number) ^ 1; // inside the first chunk
    await expect(
      openWholeMessage(k, broken, 0, { failCode: 'PROTOCOL_DECRYPT_FAILED', afterFirst: () => called++ }),
    ).rejects.toMatchObject({ code: 'PROTOCOL_DECRYPT_FAILED' });
    expect(called).toBe(1);
  });
});
