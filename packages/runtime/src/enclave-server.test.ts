import { base64urlDecode, base64urlEncode } from '@blindbox/bytes';
import {
  type AppManifest,
  ATTEST_PATH,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  computeBinding,
  generateServerKey,
  HEALTH_PATH,
  sealRequest,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { EndpointError, enclave, endpoint } from '@blindbox/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from './enclave-server.js';
import type { AttestationProvider } from './providers/attestation-provider.js';

@enclave({ name: 'echo' })
class Echo {
  @endpoint()
  async echo(req: { text: string }): Promise<{ text: string }> {
    return { text: req.text };
  }
  @endpoint()
  async fail(_req: { kind: string }): Promise<{ never: string }> {
    if (_req.kind === 'typed') throw new EndpointError('NOPE', 'typed failure', { path: '/kind' });
    throw new Error('secret stack detail');
  }
  @endpoint()
  async wrongOutput(_req: { n: number }): Promise<{ n: number }> {
    return { n: 'not a number' } as unknown as { n: number };
  }
  async hidden(_req: { text: string }): Promise<{ text: string }> {
    return { text: 'should never be callable' };
  }
}

const obj = (
  properties: AppManifest['endpoints'][number]['input'] extends infer T ? Record<string, T> : never,
  required: string[],
) => ({ type: 'object', properties, required, additionalProperties: false }) as const;

const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'echo', version: '1.0.0' },
  enclave: { className: 'Echo', module: 'src/echo.ts' },
  endpoints: [
    {
      name: 'echo',
      input: obj({ text: { type: 'string' } }, ['text']),
      output: obj({ text: { type: 'string' } }, ['text']),
      source: 'src/echo.ts:1:1',
    },
    {
      name: 'fail',
      input: obj({ kind: { type: 'string' } }, ['kind']),
      output: obj({ never: { type: 'string' } }, ['never']),
      source: 'src/echo.ts:2:1',
    },
    {
      name: 'hidden',
      input: obj({ text: { type: 'string' } }, ['text']),
      output: obj({ text: { type: 'string' } }, ['text']),
      source: 'src/echo.ts:3:1',
    },
    {
      name: 'wrongOutput',
      input: obj({ n: { type: 'number' } }, ['n']),
      output: obj({ n: { type: 'number' } }, ['n']),
      source: 'src/echo.ts:4:1',
    },
  ],
};

/** Returns the report data as the "evidence": lets the test check what the server bound. */
const echoProvider: AttestationProvider = {
  platform: 'simulated',
  getEvidence: async (reportData) => ({ evidence: reportData }),
};

let server: EnclaveServer;
const key = await generateServerKey();

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: echoProvider,
    port: 0,
    key,
    maxBodyBytes: 64 * 1024,
  });
});
afterAll(async () => server.close());

async function call(
  endpointName: string,
  input: unknown,
  target = { keyId: key.keyId, publicKey: key.publicKey },
) {
  const sealed = await sealRequest(target, {
    endpoint: endpointName,
    input,
    requestId: 'r1',
    sentAt: Date.now(),
  });
  const res = await fetch(new URL(CALL_PATH, server.url), {
    method: 'POST',
    headers: { 'content-type': CALL_CONTENT_TYPE },
    body: sealed.body as Uint8Array<ArrayBuffer>,
  });
  expect(res.status).toBe(200);
  return sealed.openResponse(new Uint8Array(await res.arrayBuffer()));
}

describe('enclave server', () => {
  it('binds the nonce and its own key into the evidence it asks for', async () => {
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    const res = await fetch(new URL(ATTEST_PATH, server.url), {
      method: 'POST',
      body: JSON.stringify({ nonce: base64urlEncode(nonce) }),
    });
    const envelope = await res.json();
    expect(envelope).toMatchObject({
      version: 1,
      platform: 'simulated',
      nonce: base64urlEncode(nonce),
      hpkePublicKey: base64urlEncode(key.publicKey),
    });
    expect(Buffer.from(envelope.evidence, 'base64')).toEqual(
      Buffer.from(computeBinding(nonce, key.publicKey)),
    );
    expect(base64urlDecode(envelope.hpkePublicKey)).toEqual(key.publicKey);
  });

  it.each([['{}'], ['{"nonce":"short"}'], ['not json'], [JSON.stringify({ nonce: 'A'.repeat(5000) })]])(
    'refuses a bad attest body %#',
    async (body) => {
      const res = await fetch(new URL(ATTEST_PATH, server.url), { method: 'POST', body });
      expect([400, 413]).toContain(res.status);
    },
  );

  it('runs endpoints and seals typed errors; never leaks a non-EndpointError', async () => {
    expect(await call('echo', { text: 'hi' })).toEqual({ ok: true, output: { text: 'hi' } });
    expect(await call('fail', { kind: 'typed' })).toEqual({
      ok: false,
      error: { code: 'NOPE', message: 'typed failure', path: '/kind' },
    });
    const internal = await call('fail', { kind: 'other' });
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'the handler failed' } });
    expect(JSON.stringify(internal)).not.toContain('secret');
    expect(await call('wrongOutput', { n: 1 })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('refuses a method without @endpoint even if the manifest lists it', async () => {
    expect(await call('hidden', { text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_ENDPOINT' },
    });
    expect(await call('toString', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENDPOINT' } });
  });

  it('answers unknown-key for a key it does not hold, so the client can re-attest', async () => {
    const other = await generateServerKey();
    const sealed = await sealRequest(other, {
      endpoint: 'echo',
      input: { text: 'x' },
      requestId: 'r',
      sentAt: 0,
    });
    const res = await fetch(new URL(CALL_PATH, server.url), {
      method: 'POST',
      headers: { 'content-type': CALL_CONTENT_TYPE },
      body: sealed.body as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).type).toBe(UNKNOWN_KEY_PROBLEM_TYPE);
  });

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    const res = await fetch(new URL(CALL_PATH, server.url), {
      method: 'POST',
      headers: { 'content-type': CALL_CONTENT_TYPE },
      body: new Uint8Array(65 * 1024),
    });
    expect(res.status).toBe(413);
    expect(await call('echo', { text: 'after' })).toEqual({ ok: true, output: { text: 'after' } });
  });

  it('caps the call bytes buffered across concurrent requests, so parallel uploads cannot exhaust memory', async () => {
    const s = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: echoProvider,
      port: 0,
      key,
      maxBodyBytes: 64 * 1024,
      // Two of these uploads fit (each charged 5 × 64 KiB for what the server holds), three do not.
      maxInFlightBodyBytes: 2 * 5 * 64 * 1024,
      // 64 KiB bodies would otherwise draw from the reserve for small calls.
      limits: { smallBodyBytes: 1024 },
    });
    const { request } = await import('node:http');
    const url = new URL(CALL_PATH, s.url);
    // Each upload stays under the per-body limit but never finishes: together they exceed the budget.
    const held = [0, 1, 2].map(
      () =>
        new Promise<number>((resolve, reject) => {
          const req = request(url, {
            method: 'POST',
            headers: { 'content-length': String(64 * 1024), 'content-type': CALL_CONTENT_TYPE },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', () => resolve(-1));
          req.write(new Uint8Array(60 * 1024), (err) => err && reject(err));
        }),
    );
    const first = await Promise.race([
      ...held,
      new Promise<'pending'>((r) => setTimeout(() => r('pending'), 2000)),
    ]);
    expect(first).toBe(503);
    await s.close(0);
    await Promise.all(held);
  });

  it('logs no handler-chosen error code: the host reads the logs, and a code says what the data was', async () => {
    const events: { outcome: string }[] = [];
    const s = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: echoProvider,
      port: 0,
      key,
      log: (e) => events.push(e),
    });
    const sealed = await sealRequest(key, {
      endpoint: 'fail',
      input: { kind: 'typed' },
      requestId: 'r',
      sentAt: Date.now(),
    });
    const res = await fetch(new URL(CALL_PATH, s.url), {
      method: 'POST',
      headers: { 'content-type': CALL_CONTENT_TYPE },
      body: sealed.body as Uint8Array<ArrayBuffer>,
    });
    expect(await sealed.openResponse(new Uint8Array(await res.arrayBuffer()))).toMatchObject({
      error: { code: 'NOPE' },
    });
    await s.close(0);
    expect(events.map((e) => e.outcome)).toEqual(['ENDPOINT_ERROR']);
  });

  it('serves health, 404 and 405', async () => {
    const health = await fetch(new URL(HEALTH_PATH, server.url));
    // Liveness only: docs/protocol.md §2 says health reveals nothing about the enclave.
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(new URL('/nope', server.url))).status).toBe(404);
    const wrongMethod = await fetch(new URL(CALL_PATH, server.url));
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('CORS, for web pages that call the enclave from their visitors’ browsers', () => {
  it('answers preflights and marks responses only for allowed origins', async () => {
    const s = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: echoProvider,
      port: 0,
      corsOrigins: ['https://clinic.example'],
    });
    try {
      const preflight = await fetch(new URL(CALL_PATH, s.url), {
        method: 'OPTIONS',
        headers: { origin: 'https://clinic.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://clinic.example');
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
      const other = await fetch(new URL(CALL_PATH, s.url), {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.status).toBe(405);
      // The default server (no corsOrigins) never adds CORS headers.
      const none = await fetch(new URL(HEALTH_PATH, server.url), {
        headers: { origin: 'https://clinic.example' },
      });
      expect(none.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.close(100);
    }
  });
});
