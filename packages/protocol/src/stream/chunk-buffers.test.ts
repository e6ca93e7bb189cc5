import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createAeadKey, setAeadBackend } from '../hpke/aead-key.js';
import type { ChunkKey } from './chunk-key.js';
import { openChunks } from './open-chunks.js';
import { sealChunks } from './seal-chunks.js';
import { sealWholeMessage } from './whole-message.js';

// The sealer reuses buffers (two for re-cutting a stream's pieces) and yields each frame as its
// header and the AEAD's pieces, and the opener decrypts views of the pieces a body arrives in:
// these properties check that the bytes stay exactly those of the one-buffer sealer,
// on node:crypto and on the portable AEADs, and open again from a body cut anywhere.

afterEach(() => setAeadBackend(undefined));

type Aead = 'aes-128-gcm' | 'chacha20-poly1305';
const key = (aead: Aead): ChunkKey => ({
  aead: createAeadKey(aead, new Uint8Array(aead === 'aes-128-gcm' ? 16 : 32).fill(3)),
  nonceBase: new Uint8Array(12).fill(9),
  seq: 7,
  aadPrefix: new Uint8Array(34).fill(5),
});

/** `bytes` cut at `cuts` (offsets, any order), as an async stream of views. */
async function* cutInto(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of source) out.push(piece);
  return out;
}

function join(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('the chunk path with reused buffers (docs/protocol.md §11.4)', () => {
  it('seals a stream of any pieces byte for byte as the whole message, and opens it from any pieces', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 6000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.constantFrom<Aead>('aes-128-gcm', 'chacha20-poly1305'),
        fc.boolean(),
        async (plaintext, sourceCuts, bodyCuts, chunkLength, aead, portable) => {
          setAeadBackend(portable ? null : undefined);
          const k = key(aead);
          const frames = await collect(sealChunks(k, cutInto(plaintext, sourceCuts), { chunkLength }));
          // Every frame kept until the end: none may share memory with a later one.
          const body = join(frames);
          expect(body).toEqual(await sealWholeMessage(k, plaintext, undefined, chunkLength));
          // Every plaintext chunk kept until the end: none may share memory with a later one.
          const opened = await collect(
            openChunks(k, cutInto(body, bodyCuts), { failCode: 'PROTOCOL_RESPONSE_TAMPERED' }),
          );
          expect(join(opened)).toEqual(plaintext);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('copies a stream’s pieces as they arrive: a source that refills one buffer is sealed as sent', async () => {
    const plaintext = new Uint8Array(10_000).map((_, i) => i * 7);
    async function* refilling(): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(333);
      for (let at = 0; at < plaintext.length; at += buffer.length) {
        const piece = plaintext.subarray(at, at + buffer.length);
        buffer.set(piece);
        yield buffer.subarray(0, piece.length);
        buffer.fill(0xee); // the source reuses its buffer once the piece was taken
      }
    }
    const k = key('aes-128-gcm');
    const body = join(await collect(sealChunks(k, refilling(), { chunkLength: 1000 })));
    expect(body).toEqual(await sealWholeMessage(k, plaintext, undefined, 1000));
  });

  it('opens a frame from views of the pieces it came in, its tag cut anywhere, and refuses any changed tag byte', async () => {
    const failCode = 'PROTOCOL_RESPONSE_TAMPERED' as const;
    for (const portable of [false, true]) {
      setAeadBackend(portable ? null : undefined);
      const k = key('aes-128-gcm');
      const plaintext = new Uint8Array(100).map((_, i) => i);
      const body = await sealWholeMessage(k, plaintext, undefined, 100); // one frame: 4 + 100 + 16
      for (let cut = body.length - 17; cut < body.length; cut++) {
        // Cuts through the ciphertext's end and the tag: the tag in one, two or three pieces.
        const cuts = [cut, cut + 5, cut + 11];
        expect(join(await collect(openChunks(k, cutInto(body, cuts), { failCode })))).toEqual(plaintext);
        const bad = body.slice();
        bad[cut] = (bad[cut] as number) ^ 1;
        await expect(collect(openChunks(k, cutInto(bad, cuts), { failCode }))).rejects.toMatchObject({
          code: failCode,
        });
      }
    }
  });

  it('seals in pieces exactly what seal() gives, on every backend', async () => {
    for (const portable of [false, true]) {
      setAeadBackend(portable ? null : undefined);
      for (const aead of ['aes-128-gcm', 'chacha20-poly1305'] as const) {
        const k = key(aead).aead;
        const nonce = new Uint8Array(12).fill(1);
        const aad = new Uint8Array([1, 2, 3]);
        const data = new Uint8Array(5000).map((_, i) => i);
        const sealed = join(await k.sealPieces(nonce, data, aad));
        expect(sealed).toEqual(await k.seal(nonce, data, aad));
        expect(await k.open(nonce, sealed, aad)).toEqual(data);
        expect(
          join(
            await k.openPieces(
              nonce,
              [sealed.subarray(0, 7), sealed.subarray(7, -16)],
              sealed.subarray(-16),
              aad,
            ),
          ),
        ).toEqual(data);
      }
    }
  });
});
