import { base64urlEncode } from '@blindbox/bytes';
// Issue 8, "Crash by pipelining": 20 TCP connections sending attest requests back to back without
// reading the replies grew the enclave's heap to 4.2 GB. Each connection may have only a few
// requests outstanding, evidence requests in flight are bounded, and everyone else is still served.
import { ATTEST_PATH, generateServerKey, HEALTH_PATH } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { countingProvider, Echo, echoCall, manifest, rawConnect } from './echo-enclave.js';

const key = await generateServerKey();
const provider = countingProvider(5);
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider,
    port: 0,
    key,
    limits: {
      maxPipelinedRequests: 4,
      maxEvidenceInFlight: 2,
      maxEvidenceQueued: 16,
    },
  });
});
afterAll(async () => server.close(0));

function attestRequest(): string {
  const body = JSON.stringify({ nonce: base64urlEncode(crypto.getRandomValues(new Uint8Array(32))) });
  return `POST ${ATTEST_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

describe('pipelined attest requests whose replies are never read', () => {
  it('are cut off at the pipelining limit, evidence in flight stays bounded, and everyone else is served', async () => {
    const perConnection = 200;
    const sockets = await Promise.all(Array.from({ length: 20 }, () => rawConnect(server)));
    for (const socket of sockets) {
      socket.pause(); // never read a reply
      socket.write(Array.from({ length: perConnection }, attestRequest).join(''));
    }
    // While the flood is on: health and a well-behaved client are answered.
    const health = await fetch(new URL(HEALTH_PATH, server.url));
    expect(health.status).toBe(200);
    const nonce = base64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
    const attest = await fetch(new URL(ATTEST_PATH, server.url), {
      method: 'POST',
      body: JSON.stringify({ nonce }),
    });
    expect(attest.status).toBe(200);
    expect(await echoCall(server, key, 'still here')).toEqual({
      status: 200,
      response: { ok: true, output: { text: 'still here' } },
    });
    // 20 connections × 4 admitted requests, plus the well-behaved attest: not 20 × 200.
    expect(provider.calls).toBeLessThanOrEqual(20 * 4 + 1);
    expect(provider.peak).toBeLessThanOrEqual(2);
    for (const socket of sockets) socket.destroy();
  });

  it('answers 503 with retry-after when the evidence queue is full', async () => {
    const slow = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: countingProvider(100),
      port: 0,
      key,
      limits: { maxEvidenceInFlight: 2, maxEvidenceQueued: 16 },
    });
    const bodies = Array.from({ length: 40 }, () =>
      fetch(new URL(ATTEST_PATH, slow.url), {
        method: 'POST',
        body: JSON.stringify({ nonce: base64urlEncode(crypto.getRandomValues(new Uint8Array(32))) }),
      }).then((res) => ({ status: res.status, retryAfter: res.headers.get('retry-after') })),
    );
    const answers = await Promise.all(bodies);
    await slow.close(0);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.every((a) => a.retryAfter === '1')).toBe(true);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2 + 16);
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
  });
});
