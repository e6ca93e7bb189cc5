import { base64Encode, base64urlDecode, base64urlEncode, hexEncode } from '@blindbox/bytes';
import {
  AEAD_IDS,
  CALL_PATH,
  computeBinding,
  generateServerKey,
  KDF_ID,
  KEM_ID,
  openRequest,
  REFUSAL_PREFIX_LENGTH,
  RESPONSE_CONTENT_TYPE,
  refuseRequest,
} from '@blindbox/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connect.js';
import { loopback, readAll } from './support/loopback.js';
import { base, simulatedProvider } from './support/sim-enclave.js';

/*
 * A server over its budget that refuses with proof (a sealed NOT_RUN_BUSY made from the header and
 * enc alone): the client resends with backoff, a bounded number of times, and the handler runs once.
 * The server is made of @blindbox/protocol's own functions on a loopback HTTP server.
 */
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function busyServer(refusals: number) {
  const key = await generateServerKey();
  const provider = simulatedProvider();
  const state = { refused: 0, ran: 0 };
  const server = await loopback(async (req, res) => {
    const body = await readAll(req);
    if (req.url === CALL_PATH) {
      if (state.refused < refusals) {
        state.refused++;
        const refusal = await refuseRequest(() => key, body.subarray(0, REFUSAL_PREFIX_LENGTH));
        res.writeHead(503, { 'content-type': RESPONSE_CONTENT_TYPE, 'retry-after': '0' });
        res.end(refusal.body);
        return;
      }
      const opened = await openRequest(() => key, new Uint8Array(body));
      state.ran++;
      const input = opened.request.input as { a: number; b: number };
      res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE });
      res.end(await opened.sealResponse({ ok: true, output: { sum: input.a + input.b } }));
      return;
    }
    const { nonce } = JSON.parse(body.toString()) as { nonce: string };
    const { evidence } = await provider.getEvidence(computeBinding(base64urlDecode(nonce), key.publicKey));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        version: 1,
        platform: 'simulated',
        nonce,
        evidence: base64Encode(evidence),
        hpkePublicKey: base64urlEncode(key.publicKey),
        keyId: hexEncode(key.keyId),
        suites: { kem: KEM_ID, kdf: KDF_ID, aead: [AEAD_IDS['aes-128-gcm']] },
      }),
    );
  });
  closers.push(server.close);
  return { url: server.url, state };
}

describe('an authenticated 503 (sealed NOT_RUN_BUSY)', () => {
  it('is retried with backoff and the call runs once', async () => {
    const { url, state } = await busyServer(2);
    const session = await connect(url, { ...base, retry: { attempts: 3, baseDelayMs: 1 } });
    expect(await session.call('add', { a: 20, b: 22 })).toEqual({ sum: 42 });
    expect(state).toEqual({ refused: 2, ran: 1 });
  });

  it('is retried a bounded number of times, then CLIENT_SERVER_BUSY that says it did not run', async () => {
    const { url, state } = await busyServer(100);
    const session = await connect(url, { ...base, retry: { attempts: 2, baseDelayMs: 1 } });
    await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
      code: 'CLIENT_SERVER_BUSY',
      mayHaveRun: false,
      retryable: true,
    });
    expect(state).toEqual({ refused: 3, ran: 0 });
  });
});
