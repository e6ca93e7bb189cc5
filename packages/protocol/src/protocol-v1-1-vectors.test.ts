import { createCipheriv, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import type { CallRequest } from './call-messages.js';
import { decodeCbor } from './cbor.js';
import { hexDecode, hexEncode } from './encoding.js';
import { openRequest } from './open-request.js';
import { ReplayWindow } from './replay/replay-window.js';
import { sealRequest } from './seal-request.js';
import { deriveServerKey } from './server-key.js';
import { openSessionRequest } from './session/open-session-message.js';
import { sealSessionRequest } from './session/seal-session-message.js';
import { collectBytes } from './stream/message-plaintext.js';

/** The v1.1 vectors of docs/protocol.md: ```vector-v1.1 <name> blocks of `key = value` lines. */
function readVectors(): Map<string, Record<string, string>> {
  const text = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const out = new Map<string, Record<string, string>>();
  for (const match of text.matchAll(/^```vector-v1\.1 ([a-z0-9-]+)\n([\s\S]*?)^```$/gm)) {
    const fields: Record<string, string> = {};
    for (const line of match[2]!.split('\n')) {
      const kv = /^(\w+)\s*=\s*(\S+)$/.exec(line.trim());
      if (kv) fields[kv[1]!] = kv[2]!;
    }
    out.set(match[1]!, fields);
  }
  return out;
}
const vectors = readVectors();
const v = (name: string): Record<string, string> => {
  const found = vectors.get(name);
  if (found === undefined) throw new Error(`docs/protocol.md has no vector-v1.1 block "${name}"`);
  return found;
};
const hex = (block: Record<string, string>, field: string): Uint8Array => {
  const value = block[field];
  if (value === undefined) throw new Error(`vector field "${field}" missing`);
  return hexDecode(value);
};
const SERVER_IKM = hexDecode('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const buf = (b: Uint8Array): ArrayBuffer => new Uint8Array(b).buffer;

/** RFC 5869 §2.3 HKDF-Expand with SHA-256, for L ≤ 32 (one block), from node:crypto alone. */
function expand(prk: Uint8Array, info: string, length: number): Buffer {
  return createHmac('sha256', prk)
    .update(info)
    .update(Buffer.from([1]))
    .digest()
    .subarray(0, length);
}

/** One frame as §11.4 states it, computed with node:crypto AES-128-GCM. */
function frame(
  key: Uint8Array,
  nonceBase: Uint8Array,
  seq: number,
  index: number,
  final: boolean,
  aadPrefix: Uint8Array,
  chunk: Uint8Array,
): Buffer {
  const nonce = Buffer.from(nonceBase);
  const mix = Buffer.alloc(12);
  mix.writeBigUInt64BE(BigInt(seq), 0);
  mix.writeUInt32BE(index, 8);
  for (let i = 0; i < 12; i++) nonce[i] = (nonce[i] as number) ^ (mix[i] as number);
  const aad = Buffer.concat([
    aadPrefix,
    Buffer.from([index >>> 24, (index >>> 16) & 255, (index >>> 8) & 255, index & 255, final ? 1 : 0]),
  ]);
  const cipher = createCipheriv('aes-128-gcm', key, nonce);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(chunk), cipher.final(), cipher.getAuthTag()]);
  const word = Buffer.alloc(4);
  word.writeUInt32BE((final ? 0x8000_0000 : 0) + sealed.length);
  return Buffer.concat([word, sealed]);
}

describe('docs/protocol.md v1.1 test vectors', () => {
  it('has every v1.1 vector block', () => {
    expect([...vectors.keys()].sort()).toEqual(
      ['session-chunked-request', 'session-open', 'session-request', 'session-response'].sort(),
    );
  });

  it('reproduces the opening call and its response, and derives the session secrets', async () => {
    const o = v('session-open');
    const key = await deriveServerKey(SERVER_IKM);
    const request = decodeCbor(hex(o, 'plaintext')) as CallRequest;
    expect(request.openSession).toBe(true);
    const sealed = await sealRequest(key, request, { ekm: hex(o, 'ekm') });
    expect(hexEncode(sealed.body)).toBe(o['body']);
    const opened = await openRequest(() => key, sealed.body);
    const response = decodeCbor(hex(o, 'responsePlaintext')) as never;
    const body = await opened.sealResponse(response, { responseNonce: hex(o, 'responseNonce') });
    expect(hexEncode(body)).toBe(o['responseBody']);
    expect((await sealed.openResponse(body)).session).toEqual({ ttl: 3600, window: 1024 });
    expect(hexEncode(sealed.deriveSession().sessionId)).toBe(o['sessionId']);

    // Independently: @hpke/core for the export, node:crypto for HKDF-Expand.
    const suite = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Aes128Gcm(),
    });
    const recipientKey = await suite.kem.deriveKeyPair(buf(SERVER_IKM));
    const info = Buffer.concat([Buffer.from('blindbox/call/v1 request\0'), hex(o, 'body').subarray(0, 15)]);
    const ctx = await suite.createRecipientContext({
      recipientKey,
      enc: buf(hex(o, 'body').subarray(15, 47)),
      info: buf(info),
    });
    const secret = new Uint8Array(await ctx.export(buf(Buffer.from('blindbox/session/v1')), 32));
    expect(hexEncode(secret)).toBe(o['sessionSecret']);
    expect(expand(secret, 'id', 16).toString('hex')).toBe(o['sessionId']);
    expect(expand(secret, 'c2s key', 16).toString('hex')).toBe(o['c2sKey']);
    expect(expand(secret, 'c2s nonce', 12).toString('hex')).toBe(o['c2sNonce']);
    expect(expand(secret, 's2c key', 16).toString('hex')).toBe(o['s2cKey']);
    expect(expand(secret, 's2c nonce', 12).toString('hex')).toBe(o['s2cNonce']);
  });

  async function session() {
    const o = v('session-open');
    const key = await deriveServerKey(SERVER_IKM);
    const sealed = await sealRequest(key, decodeCbor(hex(o, 'plaintext')) as CallRequest, {
      ekm: hex(o, 'ekm'),
    });
    const opened = await openRequest(() => key, sealed.body);
    return {
      client: sealed.deriveSession(),
      state: { keys: opened.deriveSession(), window: new ReplayWindow() },
      o,
    };
  }

  it('reproduces a session message and its response, as the document states them', async () => {
    const { client, state, o } = await session();
    const r = v('session-request');
    const res = v('session-response');
    const head = hex(r, 'head');
    const sealed = sealSessionRequest(client, 1, decodeCbor(head) as CallRequest);
    const body = await collectBytes(sealed.body, 1 << 20);
    expect(hexEncode(body)).toBe(r['body']);
    expect(hexEncode(sealed.header)).toBe(r['header']);
    // §11.3 / §11.4 by hand: header ‖ one final frame of u32(len(head)) ‖ head.
    const header = hex(r, 'header');
    expect(Buffer.concat([header.subarray(0, 1), header.subarray(1, 9)]).toString('hex')).toBe(
      '0201520b9fd72dc69a',
    );
    expect(hexEncode(header.subarray(9, 25))).toBe(o['sessionId']);
    const plaintext = hex(r, 'plaintext');
    expect(new DataView(plaintext.buffer).getUint32(0)).toBe(head.length);
    const byHand = Buffer.concat([
      header,
      frame(hex(o, 'c2sKey'), hex(o, 'c2sNonce'), 1, 0, true, header, plaintext),
    ]);
    expect(byHand.toString('hex')).toBe(r['body']);

    const opened = await openSessionRequest(() => state, hex(r, 'body'));
    expect(opened.request).toEqual(decodeCbor(head));
    const frames = await collectBytes(opened.sealResponse(decodeCbor(hex(res, 'head')) as never), 1 << 20);
    expect(hexEncode(frames)).toBe(res['body']);
    expect(
      frame(hex(o, 's2cKey'), hex(o, 's2cNonce'), 1, 0, true, header, hex(res, 'plaintext')).toString('hex'),
    ).toBe(res['body']);
    expect((await sealed.openResponse(frames)).response).toEqual({ ok: true, output: { sum: 5 } });
  });

  it('reproduces a chunked message with a streamed tail, frame by frame', async () => {
    const { client, state, o } = await session();
    const c = v('session-chunked-request');
    const head = hex(c, 'head');
    const tail = hex(c, 'tail');
    const sealed = sealSessionRequest(client, 2, decodeCbor(head) as CallRequest, { tail, chunkLength: 32 });
    const body = await collectBytes(sealed.body, 1 << 20);
    expect(hexEncode(body)).toBe(c['body']);
    const header = hex(c, 'header');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(head.length);
    const plaintext = Buffer.concat([prefix, head, tail]);
    const frames: Buffer[] = [header as Buffer];
    const count = Math.ceil(plaintext.length / 32);
    for (let i = 0; i < count; i++) {
      frames.push(
        frame(
          hex(o, 'c2sKey'),
          hex(o, 'c2sNonce'),
          2,
          i,
          i === count - 1,
          header,
          plaintext.subarray(i * 32, i * 32 + 32),
        ),
      );
    }
    expect(count).toBe(4);
    expect(Buffer.concat(frames).toString('hex')).toBe(c['body']);
    const opened = await openSessionRequest(() => state, body);
    expect(opened.request.stream).toBe('/data');
    expect(hexEncode(await collectBytes(opened.tail, 1 << 20))).toBe(c['tail']);
  });
});
