import { createCipheriv, createDecipheriv } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { hexDecode } from '../encoding.js';
import { openRequest } from '../open-request.js';
import { sealRequest } from '../seal-request.js';
import { deriveServerKey } from '../server-key.js';
import { type AeadBackend, createAeadKey, setAeadBackend } from './aead-key.js';

/**
 * The node:crypto backend a Node runtime installs (docs: packages/protocol/README.md). Kept here,
 * in a test, because isomorphic source cannot import node:crypto; this test is its reference.
 */
export const nodeAeadBackend: AeadBackend = {
  aes128Gcm: (key) => ({
    seal(nonce, plaintext, aad) {
      const c = createCipheriv('aes-128-gcm', key, nonce);
      c.setAAD(aad);
      const body = c.update(plaintext);
      c.final();
      const out = new Uint8Array(body.length + 16);
      out.set(body);
      out.set(c.getAuthTag(), body.length);
      return out;
    },
    open(nonce, ciphertext, aad) {
      if (ciphertext.length < 16) throw new Error('too short');
      const d = createDecipheriv('aes-128-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const body = d.update(ciphertext.subarray(0, ciphertext.length - 16));
      d.final(); // throws when the tag does not verify
      return new Uint8Array(body);
    },
  }),
};

let calls = 0;
const counting: AeadBackend = {
  aes128Gcm: (key) => {
    calls++;
    return nodeAeadBackend.aes128Gcm!(key);
  },
};

afterEach(() => setAeadBackend(undefined));

describe('an installed AEAD backend', () => {
  it('defaults to node:crypto on Node, and WebCrypto/noble agree with it on both AEADs', async () => {
    const { detectNodeAeadBackend } = await import('./node-aead-backend.js');
    const node = detectNodeAeadBackend();
    expect(node?.aes128Gcm).toBeTypeOf('function');
    for (const [name, size] of [
      ['aes-128-gcm', 16],
      ['chacha20-poly1305', 32],
    ] as const) {
      const raw = new Uint8Array(size).fill(5);
      const nonce = new Uint8Array(12).fill(1);
      const aad = new Uint8Array([1, 2, 3]);
      const data = new Uint8Array(3000).map((_, i) => i);
      setAeadBackend(undefined);
      const viaNode = await createAeadKey(name, raw).seal(nonce, data, aad);
      setAeadBackend(null);
      const portable = createAeadKey(name, raw);
      expect(await portable.seal(nonce, data, aad)).toEqual(viaNode);
      expect(await portable.open(nonce, viaNode, aad)).toEqual(data);
    }
  });

  it('is used for AES-128-GCM and interoperates with the built-in WebCrypto path', async () => {
    const key = await deriveServerKey(new Uint8Array(32).fill(9));
    setAeadBackend(null); // WebCrypto
    const sealedPlain = await sealRequest(key, { endpoint: 'e', input: 1, requestId: '', sentAt: 1 });
    setAeadBackend(counting);
    const opened = await openRequest(() => key, sealedPlain.body);
    const response = await opened.sealResponse({ ok: true, output: 2 });
    expect(calls).toBeGreaterThanOrEqual(2);
    setAeadBackend(null);
    expect(await sealedPlain.openResponse(response)).toEqual({ ok: true, output: 2 });
  });

  it('fails closed on a wrong tag', async () => {
    setAeadBackend(nodeAeadBackend);
    const aead = createAeadKey('aes-128-gcm', hexDecode('00'.repeat(16)));
    const ct = await aead.seal(new Uint8Array(12), new Uint8Array([1, 2, 3]), new Uint8Array(0));
    ct[0] = (ct[0] as number) ^ 1;
    await expect(aead.open(new Uint8Array(12), ct, new Uint8Array(0))).rejects.toThrow();
  });
});
