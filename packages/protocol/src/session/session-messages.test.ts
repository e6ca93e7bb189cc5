import { describe, expect, it } from 'vitest';
import type { CallRequest } from '../call-messages.js';
import { openRequest } from '../open-request.js';
import { ProtocolError } from '../protocol-error.js';
import { ReplayWindow } from '../replay/replay-window.js';
import { sealRequest } from '../seal-request.js';
import { deriveServerKey, generateServerKey } from '../server-key.js';
import { collectBytes } from '../stream/message-plaintext.js';
import type { SessionKeys } from './derive-session-keys.js';
import { openSessionRequest, type ServerSessionState } from './open-session-message.js';
import { sealSessionRequest } from './seal-session-message.js';

const request = (endpoint: string, input: unknown, extra: Partial<CallRequest> = {}): CallRequest => ({
  endpoint,
  input,
  requestId: 'r',
  sentAt: 1_764_000_000_000,
  ...extra,
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  return collectBytes(source, Number.MAX_SAFE_INTEGER);
}

/** Opens a session the way client and server do: one v1 call with openSession. */
async function openPair(aead: 'aes-128-gcm' | 'chacha20-poly1305' = 'aes-128-gcm') {
  const key = await generateServerKey();
  const sealed = await sealRequest({ ...key, aead }, request('add', { a: 1 }, { openSession: true }));
  const opened = await openRequest(() => key, sealed.body);
  expect(opened.request.openSession).toBe(true);
  const server = opened.deriveSession();
  const response = await sealed.openResponse(
    await opened.sealResponse({ ok: true, output: 1, session: { ttl: 60, window: 1024 } }),
  );
  expect(response.session).toEqual({ ttl: 60, window: 1024 });
  const client = sealed.deriveSession();
  const state: ServerSessionState = { keys: server, window: new ReplayWindow() };
  return { client, state, key };
}

async function roundTrip(
  client: SessionKeys,
  state: ServerSessionState,
  seq: number,
  req: CallRequest,
  tail?: Uint8Array,
) {
  const sealed = sealSessionRequest(client, seq, req, tail === undefined ? {} : { tail, chunkLength: 1000 });
  const body = await collect(sealed.body);
  const opened = await openSessionRequest(() => state, body);
  return { sealed, body, opened };
}

describe('sessions (docs/protocol.md §11.2–11.5)', () => {
  it.each(['aes-128-gcm', 'chacha20-poly1305'] as const)(
    'both sides derive the same session with %s',
    async (aead) => {
      const { client, state } = await openPair(aead);
      expect(client.sessionId).toEqual(state.keys.sessionId);
      expect(client.sessionId).toHaveLength(16);
      const { sealed, body, opened } = await roundTrip(client, state, 0, request('add', { a: 2, b: 3 }));
      expect(body[0]).toBe(2);
      expect(body.subarray(0, 34)).toEqual(sealed.header);
      expect(opened.request).toEqual(request('add', { a: 2, b: 3 }));
      const frames = await collect(opened.sealResponse({ ok: true, output: { sum: 5 } }));
      const { response } = await sealed.openResponse(frames);
      expect(response).toEqual({ ok: true, output: { sum: 5 } });
    },
  );

  it('streams a tail both ways in chunks and puts it back', async () => {
    const { client, state } = await openPair();
    const audio = crypto.getRandomValues(new Uint8Array(10_500));
    const req = request('transcribe', { language: 'en' }, { stream: '/audio' });
    const { sealed, opened } = await roundTrip(client, state, 0, req, audio);
    expect(opened.request.stream).toBe('/audio');
    expect(await collect(opened.tail)).toEqual(audio);
    const out = audio.slice().reverse();
    const frames = await collect(
      opened.sealResponse({ ok: true, output: {}, stream: '/echo' }, { tail: out, chunkLength: 999 }),
    );
    const { response, tail } = await sealed.openResponse(frames);
    expect(response.stream).toBe('/echo');
    expect(await collect(tail)).toEqual(out);
  });

  it('refuses a replayed message and one from below the window, but not reordered ones', async () => {
    const { client, state } = await openPair();
    // Sealed in order, delivered out of order (concurrent calls).
    const m3 = await collect(sealSessionRequest(client, 3, request('e', 1)).body);
    const m5 = await collect(sealSessionRequest(client, 5, request('e', 1)).body);
    await openSessionRequest(() => state, m5);
    await openSessionRequest(() => state, m3);
    for (const replay of [m5, m3]) {
      await expect(openSessionRequest(() => state, replay)).rejects.toMatchObject({
        code: 'PROTOCOL_REPLAYED',
      });
    }
    const old = await collect(sealSessionRequest(client, 900, request('e', 1)).body);
    await openSessionRequest(
      () => state,
      await collect(sealSessionRequest(client, 2000, request('e', 1)).body),
    );
    await expect(openSessionRequest(() => state, old)).rejects.toMatchObject({ code: 'PROTOCOL_REPLAYED' });
  });

  it('never seals a sequence number twice (it is the nonce)', async () => {
    const { client } = await openPair();
    sealSessionRequest(client, 4, request('e', 1));
    for (const seq of [4, 3, -1, 1.5])
      expect(() => sealSessionRequest(client, seq, request('e', 1))).toThrow(RangeError);
    expect(() => sealSessionRequest(client, 5, request('e', 1))).not.toThrow();
  });

  it('admits a concurrent pair of copies once', async () => {
    const { client, state } = await openPair();
    const m = await collect(sealSessionRequest(client, 7, request('e', 1)).body);
    const results = await Promise.allSettled([
      openSessionRequest(() => state, m),
      openSessionRequest(() => state, m),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('burns no sequence number for a forged message', async () => {
    const { client, state } = await openPair();
    const m = await collect(sealSessionRequest(client, 9, request('e', 1)).body);
    const forged = m.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    await expect(openSessionRequest(() => state, forged)).rejects.toMatchObject({
      code: 'PROTOCOL_DECRYPT_FAILED',
    });
    const jump = m.slice();
    jump[32] = 0xff; // seq 255 + … with the same ciphertext: fails to open, window unchanged
    await expect(openSessionRequest(() => state, jump)).rejects.toMatchObject({
      code: 'PROTOCOL_DECRYPT_FAILED',
    });
    expect(state.window.highest).toBe(-1);
    await openSessionRequest(() => state, m);
  });

  it('detects truncation at a chunk boundary and bytes after the final chunk', async () => {
    const { client, state } = await openPair();
    const tail = new Uint8Array(5000).fill(7);
    const body = await collect(
      sealSessionRequest(client, 0, request('e', {}, { stream: '' }), { tail, chunkLength: 1000 }).body,
    );
    // Find the frame boundaries and cut after the second frame.
    let at = 34;
    for (let i = 0; i < 2; i++) at += 4 + (new DataView(body.buffer).getUint32(at) & 0x7fffffff);
    // Arriving in pieces, the stream is handed on as it authenticates: the tail reports the cut.
    const opened = await openSessionRequest(() => state, [body.subarray(0, at)]);
    await expect(collect(opened.tail)).rejects.toMatchObject({ code: 'PROTOCOL_TRUNCATED' });
    const state2: ServerSessionState = { keys: state.keys, window: new ReplayWindow() };
    const extra = new Uint8Array(body.length + 1);
    extra.set(body);
    const opened2 = await openSessionRequest(() => state2, [extra]);
    await expect(collect(opened2.tail)).rejects.toMatchObject({ code: 'PROTOCOL_TRUNCATED' });
    // Held whole, the same bodies are refused before anything is returned.
    for (const whole of [body.subarray(0, at), extra]) {
      const fresh: ServerSessionState = { keys: state.keys, window: new ReplayWindow() };
      await expect(openSessionRequest(() => fresh, whole)).rejects.toMatchObject({
        code: 'PROTOCOL_TRUNCATED',
      });
    }
  });

  it('refuses a cut non-streamed message before returning it', async () => {
    const { client, state } = await openPair();
    const body = await collect(
      sealSessionRequest(client, 0, request('e', new Uint8Array(3000)), { chunkLength: 1000 }).body,
    );
    const cut = body.subarray(0, 34 + 4 + 1016);
    await expect(openSessionRequest(() => state, cut)).rejects.toMatchObject({ code: 'PROTOCOL_TRUNCATED' });
  });

  it('answers unknown-session for another session id, and does not open a response for another request', async () => {
    const { client, state } = await openPair();
    const other = await openPair();
    const m = await collect(sealSessionRequest(client, 0, request('e', 1)).body);
    await expect(openSessionRequest(() => other.state, m)).rejects.toMatchObject({
      code: 'PROTOCOL_UNKNOWN_SESSION',
    });
    await expect(openSessionRequest(() => undefined, m)).rejects.toMatchObject({
      code: 'PROTOCOL_UNKNOWN_SESSION',
    });
    const a = sealSessionRequest(client, 1, request('e', 1));
    const b = sealSessionRequest(client, 2, request('e', 2));
    const openedA = await openSessionRequest(() => state, await collect(a.body));
    await collect(b.body);
    const responseA = await collect(openedA.sealResponse({ ok: true, output: 'a' }));
    await expect(b.openResponse(responseA)).rejects.toBeInstanceOf(ProtocolError);
    expect((await a.openResponse(responseA)).response).toEqual({ ok: true, output: 'a' });
  });

  it('refuses malformed headers before any lookup', async () => {
    const key = await deriveServerKey(new Uint8Array(32));
    let looked = 0;
    const lookup = () => {
      looked++;
      return undefined;
    };
    const header = new Uint8Array(40);
    header[0] = 2;
    header.set(key.keyId, 1);
    header[33] = 1; // reserved flags
    await expect(openSessionRequest(lookup, header)).rejects.toMatchObject({
      code: 'PROTOCOL_MALFORMED_REQUEST',
    });
    await expect(openSessionRequest(lookup, header.subarray(0, 20))).rejects.toMatchObject({
      code: 'PROTOCOL_MALFORMED_REQUEST',
    });
    expect(looked).toBe(0);
  });
});
