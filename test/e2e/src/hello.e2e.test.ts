import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildResult } from '@blindbox/builder';
import { connect } from '@blindbox/client';
import { CALL_CONTENT_TYPE, CALL_PATH } from '@blindbox/protocol';
import { loadSimRoot, type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHello } from './build-hello.js';
import { startMitmProxy } from './mitm-proxy.js';

type HelloClient = {
  greet(input: { name: string; language?: 'en' | 'fr' }): Promise<{ message: string }>;
  digest(input: { data: Uint8Array }): Promise<{ size: number; sha256: string }>;
  session: import('@blindbox/client').Session;
};
type GeneratedModule = {
  connect(url: string, options?: Record<string, unknown>): Promise<HelloClient>;
  release: { measurements: Record<string, string> };
};

let build: BuildResult;
let enclave: SimulatedEnclave;
let generated: GeneratedModule;
const simRootDir = mkdtempSync(join(tmpdir(), 'bb-simroot-'));
let simRoot: string;

beforeAll(async () => {
  build = await buildHello('e2e');
  simRoot = loadSimRoot(simRootDir).publicKey;
  enclave = await startSimulatedEnclave({
    imageDir: join(build.outDir, 'image'),
    simRootDir,
    port: 0,
    stdio: 'ignore',
  });
  generated = (await import(join(build.clientDir, 'dist', 'index.js'))) as GeneratedModule;
}, 120_000);

afterAll(async () => {
  await enclave?.stop();
});

const dev = () => ({ allowSimulated: true, simulatorRoots: [simRoot] });

describe('hello, end to end over loopback HTTP through the generated client', () => {
  it('the simulator measures what the build measured', () => {
    expect(enclave.measurement).toBe(build.measurements.simulated);
    expect(enclave.imageDigest).toBe(build.imageDigest);
  });

  it('calls every endpoint, and the wire carries neither the input nor the endpoint name', async () => {
    const proxy = await startMitmProxy(enclave.url);
    try {
      const client = await generated.connect(proxy.url, dev());
      expect(client.session.report.platform).toBe('simulated');
      expect(client.session.report.measurement).toBe(build.measurements.simulated);
      expect(await client.greet({ name: 'Ada Lovelace', language: 'fr' })).toEqual({
        message: 'Bonjour, Ada Lovelace!',
      });
      const audio = new Uint8Array(4096).map((_, i) => (i * 7) % 251);
      const digest = await client.digest({ data: audio });
      expect(digest.size).toBe(4096);
      expect(digest.sha256).toMatch(/^[0-9a-f]{64}$/);

      const calls = proxy.seen.filter((x) => x.path === CALL_PATH);
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        for (const needle of ['Ada Lovelace', 'greet', 'digest', 'Bonjour']) {
          expect(call.requestBody.includes(Buffer.from(needle))).toBe(false);
          expect(call.responseBody.includes(Buffer.from(needle))).toBe(false);
        }
        expect(call.requestBody.includes(Buffer.from(audio.subarray(100, 132)))).toBe(false);
      }
    } finally {
      await proxy.close();
    }
  });

  it('returns a handler EndpointError as a typed error', async () => {
    const client = await generated.connect(enclave.url, dev());
    await expect(client.greet({ name: '  ' })).rejects.toMatchObject({
      name: 'RemoteError',
      code: 'EMPTY_NAME',
      path: '/name',
    });
  });

  it('answers a field of the wrong type with INVALID_INPUT (path, expected, found), and keeps serving', async () => {
    const client = await generated.connect(enclave.url, dev());
    // The image checks inputs with the validators the build compiled into app/main.mjs.
    await expect(client.session.call('greet', { name: 42 })).rejects.toMatchObject({
      name: 'RemoteError',
      code: 'INVALID_INPUT',
      path: '/name',
      expected: 'a string',
      found: 'a number',
      message: 'expected a string, found a number at /name',
    });
    await expect(client.session.call('greet', { name: 'x', admin: true })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      path: '/admin',
      expected: 'no such field',
      found: 'a boolean',
    });
    await expect(client.session.call('greet', { name: 'x', language: 'de' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      path: '/language',
      expected: 'one of "en", "fr"',
      found: '"de"',
    });
    await expect(client.session.call('constructor', {})).rejects.toMatchObject({ code: 'UNKNOWN_ENDPOINT' });
    expect(await client.greet({ name: 'still here' })).toEqual({ message: 'Hello, still here!' });
  });

  it('answers a malformed /call body with a content-free 400, and keeps serving', async () => {
    for (const body of [new Uint8Array(0), new Uint8Array(3), crypto.getRandomValues(new Uint8Array(400))]) {
      const res = await fetch(new URL(CALL_PATH, enclave.url), {
        method: 'POST',
        headers: { 'content-type': CALL_CONTENT_TYPE },
        body,
      });
      expect(res.status).toBe(400);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const client = await generated.connect(enclave.url, dev());
    expect(await client.greet({ name: 'ok' })).toEqual({ message: 'Hello, ok!' });
  });

  it('re-attests transparently when the server restarted with a new key (unknown-key)', async () => {
    // The call after the restart is resent only because greet is declared idempotent: a plaintext
    // unknown-key cannot prove the call did not run (docs/protocol.md §11.7).
    const client = await generated.connect(enclave.url, {
      ...dev(),
      endpoints: { greet: { idempotent: true } },
    });
    const before = client.session.report.reportData;
    const port = enclave.port;
    await enclave.stop();
    // Graceful shutdown on SIGTERM: the enclave exits 0, not by signal.
    expect([enclave.process.exitCode, enclave.process.signalCode]).toEqual([0, null]);
    enclave = await startSimulatedEnclave({
      imageDir: join(build.outDir, 'image'),
      simRootDir,
      port,
      stdio: 'ignore',
    });
    expect(await client.greet({ name: 'again' })).toEqual({ message: 'Hello, again!' });
    expect(client.session.report.reportData).not.toBe(before);
  });
});

describe('the client refuses, each with its own code', () => {
  it('a measurement it does not accept', async () => {
    await expect(
      connect(enclave.url, {
        ...dev(),
        policy: { kind: 'pinned', releases: [{ measurements: { simulated: 'ab'.repeat(48) } }] },
      }),
    ).rejects.toMatchObject({ code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED' });
  });

  it('evidence signed by a root it does not trust', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    await expect(
      generated.connect(enclave.url, { allowSimulated: true, simulatorRoots: [other.toString('base64')] }),
    ).rejects.toMatchObject({ code: 'ATTESTATION_UNTRUSTED_ROOT' });
  });

  it('simulated evidence when allowSimulated is not set', async () => {
    await expect(generated.connect(enclave.url, { simulatorRoots: [simRoot] })).rejects.toMatchObject({
      code: 'ATTESTATION_SIMULATED_NOT_ALLOWED',
    });
  });

  it('evidence bound to another nonce (a replayed old envelope)', async () => {
    const proxy = await startMitmProxy(enclave.url);
    try {
      await generated.connect(proxy.url, dev());
      const old = proxy.seen.find((x) => x.path.endsWith('/attest'));
      proxy.setRewrite((x) =>
        x.path.endsWith('/attest') && old ? { ...x, responseBody: old.responseBody } : x,
      );
      await expect(generated.connect(proxy.url, dev())).rejects.toMatchObject({
        code: 'ATTESTATION_NONCE_MISMATCH',
      });
      // A replayer that also rewrites the nonce echo still fails: the evidence binds the old nonce.
      proxy.setRewrite((x) => {
        if (!x.path.endsWith('/attest') || !old) return x;
        const fresh = JSON.parse(x.requestBody.toString());
        const replay = JSON.parse(old.responseBody.toString());
        return { ...x, responseBody: Buffer.from(JSON.stringify({ ...replay, nonce: fresh.nonce })) };
      });
      await expect(generated.connect(proxy.url, dev())).rejects.toMatchObject({
        code: 'ATTESTATION_BINDING_MISMATCH',
      });
    } finally {
      await proxy.close();
    }
  });

  it('evidence bound to another public key (a relay that swaps the key)', async () => {
    const proxy = await startMitmProxy(enclave.url);
    try {
      const attacker = crypto.getRandomValues(new Uint8Array(32));
      proxy.setRewrite((x) => {
        if (!x.path.endsWith('/attest')) return x;
        const envelope = JSON.parse(x.responseBody.toString());
        envelope.hpkePublicKey = Buffer.from(attacker).toString('base64url');
        return { ...x, responseBody: Buffer.from(JSON.stringify(envelope)) };
      });
      await expect(generated.connect(proxy.url, dev())).rejects.toMatchObject({
        code: 'ATTESTATION_BINDING_MISMATCH',
      });
    } finally {
      await proxy.close();
    }
  });

  it('a response that was tampered with in transit', async () => {
    const proxy = await startMitmProxy(enclave.url);
    try {
      const client = await generated.connect(proxy.url, dev());
      proxy.setRewrite((x) => {
        if (x.path !== CALL_PATH) return x;
        const body = Buffer.from(x.responseBody);
        body[body.length - 5] = (body[body.length - 5] ?? 0) ^ 0x01;
        return { ...x, responseBody: body };
      });
      await expect(client.greet({ name: 'Ada' })).rejects.toMatchObject({
        code: 'PROTOCOL_RESPONSE_TAMPERED',
      });
    } finally {
      await proxy.close();
    }
  });
});
