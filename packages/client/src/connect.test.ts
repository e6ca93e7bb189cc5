import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { encodeSimulatedReportBody } from '@blindbox/attestation/internal';
import type { AppManifest } from '@blindbox/protocol';
import { type AttestationProvider, type EnclaveServer, startEnclaveServer } from '@blindbox/runtime';
import { enclave, endpoint } from '@blindbox/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './connect.js';

@enclave({ name: 'adder' })
class Adder {
  @endpoint()
  async add(req: { a: number; b: number }): Promise<{ sum: number }> {
    return { sum: req.a + req.b };
  }
}

const num = { type: 'number' } as const;
const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'adder', version: '1.0.0' },
  enclave: { className: 'Adder', module: 'src/adder.ts' },
  endpoints: [
    {
      name: 'add',
      input: {
        type: 'object',
        properties: { a: num, b: num },
        required: ['a', 'b'],
        additionalProperties: false,
      },
      output: { type: 'object', properties: { sum: num }, required: ['sum'], additionalProperties: false },
      source: 'src/adder.ts:1:1',
    },
  ],
};

const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rootSpki = root.publicKey.export({ type: 'spki', format: 'der' });
const measurement = new Uint8Array(48).fill(7);
const measurementHex = '07'.repeat(48);

function simulatedProvider(options: { debug?: boolean; timestamp?: () => Date } = {}): AttestationProvider {
  return {
    platform: 'simulated',
    async getEvidence(reportData) {
      const body = encodeSimulatedReportBody({
        debug: options.debug ?? false,
        timestamp: options.timestamp?.() ?? new Date(),
        measurement,
        reportData,
        signerKeyId: new Uint8Array(createHash('sha256').update(rootSpki).digest()),
      });
      return {
        evidence: Buffer.concat([
          body,
          sign('sha256', body, { key: root.privateKey, dsaEncoding: 'ieee-p1363' }),
        ]),
      };
    },
  };
}

const servers: EnclaveServer[] = [];
async function serve(provider = simulatedProvider()) {
  const s = await startEnclaveServer({ manifest, instance: new Adder(), provider, port: 0 });
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close(100)));
});

const base = {
  allowSimulated: true,
  simulatorRoots: [rootSpki.toString('base64')],
  policy: {
    kind: 'pinned' as const,
    releases: [{ app: 'adder', version: '1.0.0', measurements: { simulated: measurementHex } }],
  },
};

describe('connect', () => {
  let server: EnclaveServer;
  beforeAll(async () => {
    server = await serve();
  });

  it('attests, accepts the pinned release and makes sealed calls', async () => {
    const session = await connect(server.url, base);
    expect(session.release).toMatchObject({ app: 'adder', version: '1.0.0', via: 'pinned' });
    expect(session.release.compared).toEqual([
      { key: 'simulated', field: 'measurement', expected: measurementHex, found: measurementHex, ok: true },
    ]);
    expect(session.report.checks.map((c) => c.name)).toEqual([
      'simulated.layout',
      'simulated.root',
      'simulated.signature',
      'simulated.freshness',
      'simulated.debug',
      'binding.reportData',
    ]);
    expect(await session.call('add', { a: 2, b: 3 })).toEqual({ sum: 5 });
  });

  it('seals with ChaCha20-Poly1305 when asked and the server offers it', async () => {
    const session = await connect(server.url, { ...base, aead: 'chacha20-poly1305' });
    expect(await session.call('add', { a: 40, b: 2 })).toEqual({ sum: 42 });
  });

  it('accepts any of several pinned releases (rolling updates)', async () => {
    const session = await connect(server.url, {
      ...base,
      policy: {
        kind: 'pinned',
        releases: [
          { version: '0.9.0', measurements: { simulated: 'ff'.repeat(48) } },
          ...base.policy.releases,
        ],
      },
    });
    expect(session.release.version).toBe('1.0.0');
  });

  it('refuses a debug TEE unless allowDebug, and stale evidence', async () => {
    const debug = await serve(simulatedProvider({ debug: true }));
    await expect(connect(debug.url, base)).rejects.toMatchObject({ code: 'ATTESTATION_DEBUG' });
    expect((await connect(debug.url, { ...base, allowDebug: true })).report.debug).toBe(true);
    const stale = await serve(simulatedProvider({ timestamp: () => new Date(Date.now() - 3_600_000) }));
    await expect(connect(stale.url, base)).rejects.toMatchObject({ code: 'ATTESTATION_STALE' });
  });

  it('refuses an empty pinned policy and an unreachable server with typed errors', async () => {
    await expect(
      connect(server.url, { ...base, policy: { kind: 'pinned', releases: [] } }),
    ).rejects.toMatchObject({
      code: 'CLIENT_BAD_POLICY',
    });
    await expect(connect('http://127.0.0.1:1', base)).rejects.toMatchObject({ code: 'CLIENT_NETWORK_ERROR' });
  });

  it('re-attests when the session expires', async () => {
    let clock = Date.now();
    let attests = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/attest')) attests++;
      return fetch(input, init);
    };
    const session = await connect(server.url, {
      ...base,
      fetch: counting,
      now: () => new Date(clock),
      sessionTtlSeconds: 30,
    });
    await session.call('add', { a: 1, b: 1 });
    expect(attests).toBe(1);
    clock += 31_000; // past the TTL, still inside the evidence freshness window
    await session.call('add', { a: 1, b: 1 });
    expect(attests).toBe(2);
  });
});
