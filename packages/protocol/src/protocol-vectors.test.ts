import { createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import type { CallRequest, CallResponse } from './call-messages.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { computeBinding } from './compute-binding.js';
import { base64urlEncode, hexDecode, hexEncode } from './encoding.js';
import type { AeadName } from './hpke-suite.js';
import { openRequest } from './open-request.js';
import { sealRequest } from './seal-request.js';
import { deriveServerKey } from './server-key.js';

/** The vectors of docs/protocol.md: ```vector <name> blocks of `key = value` lines. */
function readVectors(): Map<string, Record<string, string>> {
  const text = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const vectors = new Map<string, Record<string, string>>();
  for (const match of text.matchAll(/^```vector ([a-z0-9-]+)\n([\s\S]*?)^```$/gm)) {
    const fields: Record<string, string> = {};
    for (const line of match[2]!.split('\n')) {
      const kv = /^(\w+)\s*=\s*(\S+)$/.exec(line.trim());
      if (kv) fields[kv[1]!] = kv[2]!;
    }
    vectors.set(match[1]!, fields);
  }
  return vectors;
}

const vectors = readVectors();
function vector(name: string): Record<string, string> {
  const v = vectors.get(name);
  if (v === undefined) throw new Error(`docs/protocol.md has no vector block "${name}"`);
  return v;
}
const hex = (v: Record<string, string>, field: string): Uint8Array => {
  const value = v[field];
  if (value === undefined) throw new Error(`vector field "${field}" missing`);
  return hexDecode(value);
};
const buf = (b: Uint8Array): ArrayBuffer => new Uint8Array(b).buffer;

describe('docs/protocol.md test vectors', () => {
  it('has every vector block', () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        'binding',
        'request-aes-128-gcm',
        'request-chacha20-poly1305',
        'response-aes-128-gcm',
        'response-chacha20-poly1305',
        'rfc9180-a1',
        'server-key',
      ].sort(),
    );
  });

  it('derives keys as RFC 9180 Appendix A.1.1 does', async () => {
    const v = vector('rfc9180-a1');
    const key = await deriveServerKey(hex(v, 'ikmR'));
    expect(hexEncode(key.publicKey)).toBe(v['pkRm']);
    const request: CallRequest = { endpoint: 'e', input: null, requestId: '', sentAt: 0 };
    const { body } = await sealRequest(key, request, { ekm: hex(v, 'ikmE') });
    expect(hexEncode(body.subarray(15, 47))).toBe(v['pkEm']);
  });

  it('reproduces the server key and key id', async () => {
    const v = vector('server-key');
    const key = await deriveServerKey(hex(v, 'ikm'));
    expect(hexEncode(key.publicKey)).toBe(v['publicKey']);
    expect(base64urlEncode(key.publicKey)).toBe(v['publicKeyBase64url']);
    expect(hexEncode(key.keyId)).toBe(v['keyId']);
    expect(createHash('sha256').update(key.publicKey).digest('hex').slice(0, 16)).toBe(v['keyId']);
  });

  it('reproduces the binding', () => {
    const v = vector('binding');
    expect(hexEncode(computeBinding(hex(v, 'nonce'), hex(v, 'publicKey')))).toBe(v['binding']);
    const independent = createHash('sha512')
      .update('blindbox/attest/v1\0')
      .update(hex(v, 'nonce'))
      .update(hex(v, 'publicKey'))
      .digest('hex');
    expect(independent).toBe(v['binding']);
  });

  describe.each<[AeadName, number, string]>([
    ['aes-128-gcm', 16, 'aes-128-gcm'],
    ['chacha20-poly1305', 32, 'chacha20-poly1305'],
  ])('%s', (aead, nk, nodeCipher) => {
    const req = vector(`request-${aead}`);
    const res = vector(`response-${aead}`);
    const hpke = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: aead === 'aes-128-gcm' ? new Aes128Gcm() : new Chacha20Poly1305(),
    });

    it('encodes the request plaintext deterministically', () => {
      const plaintext = hex(req, 'plaintext');
      expect(hexEncode(encodeCbor(decodeCbor(plaintext)))).toBe(req['plaintext']);
    });

    it('reproduces the request body byte for byte and opens it', async () => {
      const key = await deriveServerKey(hex(vector('server-key'), 'ikm'));
      const request = decodeCbor(hex(req, 'plaintext')) as CallRequest;
      const sealed = await sealRequest({ ...key, aead }, request, { ekm: hex(req, 'ekm') });
      expect(hexEncode(sealed.body)).toBe(req['body']);
      expect(hexEncode(sealed.body.subarray(0, 15))).toBe(req['header']);
      expect(hexEncode(sealed.body.subarray(15, 47))).toBe(req['enc']);
      const opened = await openRequest(() => key, hex(req, 'body'));
      expect(opened.request).toEqual(request);
    });

    it('opens the request body with the construction as the document states it', async () => {
      const body = hex(req, 'body');
      const header = body.subarray(0, 15);
      const info = new Uint8Array([...Buffer.from('blindbox/call/v1 request\0'), ...header]);
      expect(hexEncode(info)).toBe(req['info']);
      const recipientKey = await hpke.kem.deriveKeyPair(buf(hex(vector('server-key'), 'ikm')));
      const ctx = await hpke.createRecipientContext({
        recipientKey,
        enc: buf(body.subarray(15, 47)),
        info: buf(info),
      });
      expect(hexEncode(new Uint8Array(await ctx.open(buf(body.subarray(47)))))).toBe(req['plaintext']);
      // RFC 9458 §4.4 response keys, recomputed with node:crypto.
      const secret = new Uint8Array(await ctx.export(buf(Buffer.from('blindbox/call/v1 response')), nk));
      expect(hexEncode(secret)).toBe(res['secret']);
      const salt = Buffer.concat([body.subarray(15, 47), hex(res, 'responseNonce')]);
      expect(Buffer.from(hkdfSync('sha256', secret, salt, 'key', nk)).toString('hex')).toBe(res['key']);
      expect(Buffer.from(hkdfSync('sha256', secret, salt, 'nonce', 12)).toString('hex')).toBe(res['nonce']);
      const response = hex(res, 'body');
      expect(hexEncode(response.subarray(0, nk))).toBe(res['responseNonce']);
      const sealed = response.subarray(nk);
      const decipher = createDecipheriv(nodeCipher as 'aes-128-gcm', hex(res, 'key'), hex(res, 'nonce'), {
        authTagLength: 16,
      });
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - 16)),
        decipher.final(),
      ]);
      expect(plain.toString('hex')).toBe(res['plaintext']);
    });

    it('reproduces the response body byte for byte and opens it', async () => {
      const key = await deriveServerKey(hex(vector('server-key'), 'ikm'));
      const request = decodeCbor(hex(req, 'plaintext')) as CallRequest;
      const sealed = await sealRequest({ ...key, aead }, request, { ekm: hex(req, 'ekm') });
      const opened = await openRequest(() => key, sealed.body);
      const response = decodeCbor(hex(res, 'plaintext')) as CallResponse;
      expect(response).toEqual({ ok: true, output: { text: 'hello' } });
      const body = await opened.sealResponse(response, { responseNonce: hex(res, 'responseNonce') });
      expect(hexEncode(body)).toBe(res['body']);
      expect(await sealed.openResponse(hex(res, 'body'))).toEqual(response);
    });
  });
});
