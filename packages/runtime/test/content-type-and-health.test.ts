// Issue 8, "Smaller ones": /call accepted text/plain and form bodies, which a browser sends
// cross-origin without a CORS preflight; /health returned the app and version although the
// protocol says it reveals nothing.
import { CALL_CONTENT_TYPE, CALL_PATH, generateServerKey, HEALTH_PATH } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { countingProvider, Echo, manifest, runs, sealCall } from './echo-enclave.js';

const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
  });
});
afterAll(async () => server.close(0));

describe('the call endpoint', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['octet-stream', 'application/octet-stream'],
    ['none', undefined],
  ])('refuses %s with 415 and never runs the handler', async (_name, type) => {
    const before = runs.digest;
    const sealed = await sealCall(key, 'digest', { data: new Uint8Array(2) });
    const res = await fetch(new URL(CALL_PATH, server.url), {
      method: 'POST',
      ...(type ? { headers: { 'content-type': type } } : {}),
      body: new Blob([sealed.body as Uint8Array<ArrayBuffer>], type ? { type } : {}),
    });
    expect(res.status).toBe(415);
    expect(runs.digest).toBe(before);
  });

  it('accepts application/blindbox-call with parameters and any case', async () => {
    const sealed = await sealCall(key, 'echo', { text: 'ok' });
    const res = await fetch(new URL(CALL_PATH, server.url), {
      method: 'POST',
      headers: { 'content-type': `${CALL_CONTENT_TYPE.toUpperCase()}; charset=binary` },
      body: sealed.body as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(200);
    expect(await sealed.openResponse(new Uint8Array(await res.arrayBuffer()))).toEqual({
      ok: true,
      output: { text: 'ok' },
    });
  });
});

describe('health', () => {
  it('says it is alive and nothing about the app', async () => {
    const res = await fetch(new URL(HEALTH_PATH, server.url));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'ok' });
    expect(text).not.toContain('echo');
    expect(text).not.toContain('1.0.0');
  });
});
