import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { encodeSimulatedReportBody } from '@blindbox/attestation/internal';
import type { AppManifest } from '@blindbox/protocol';
import { type AttestationProvider, type EnclaveServer, startEnclaveServer } from '@blindbox/runtime';
import { enclave, endpoint } from '@blindbox/sdk';

/** The handler counts its runs, so tests can tell a call that ran twice. */
@enclave({ name: 'adder' })
export class Adder {
  runs = 0;

  @endpoint()
  async add(req: { a: number; b: number }): Promise<{ sum: number }> {
    this.runs++;
    return { sum: req.a + req.b };
  }

  @endpoint()
  async size(req: { data: Uint8Array }): Promise<{ length: number }> {
    this.runs++;
    return { length: req.data.length };
  }
}

const num = { type: 'number' } as const;
export const manifest: AppManifest = {
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
    {
      name: 'size',
      input: {
        type: 'object',
        properties: { data: { 'x-blindbox-type': 'bytes' } },
        required: ['data'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: { length: num },
        required: ['length'],
        additionalProperties: false,
      },
      source: 'src/adder.ts:2:1',
    },
  ],
};

const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const rootSpki = root.publicKey.export({ type: 'spki', format: 'der' });
const measurement = new Uint8Array(48).fill(7);

export function simulatedProvider(): AttestationProvider {
  return {
    platform: 'simulated',
    async getEvidence(reportData) {
      const body = encodeSimulatedReportBody({
        debug: false,
        timestamp: new Date(),
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

/** Options every test connects with: the simulated root and the pinned measurement. */
export const base = {
  allowSimulated: true,
  simulatorRoots: [rootSpki.toString('base64')],
  policy: {
    kind: 'pinned' as const,
    releases: [{ app: 'adder', version: '1.0.0', measurements: { simulated: '07'.repeat(48) } }],
  },
};

export async function startAdder(): Promise<{ server: EnclaveServer; instance: Adder }> {
  const instance = new Adder();
  const server = await startEnclaveServer({ manifest, instance, provider: simulatedProvider(), port: 0 });
  return { server, instance };
}
