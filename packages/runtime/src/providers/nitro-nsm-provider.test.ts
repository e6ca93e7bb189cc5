import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyEvidence } from '@blindbox/attestation';
import { decodeCoseSign1, parseNitroDocument } from '@blindbox/attestation/internal';
import { decode, encode } from 'cbor2';
import { describe, expect, test } from 'vitest';
import { RuntimeError } from '../runtime-error.js';
import { NitroNsmProvider, type NsmDevice } from './nitro-nsm-provider.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));

/** Plays the NSM with a recorded document: checks the request, answers the Attestation response. */
async function recordedNsm() {
  const document = new Uint8Array(await readFile(join(VECTORS, 'nitro/valid/document.cbor')));
  const doc = parseNitroDocument(decodeCoseSign1(document).payload);
  const requests: unknown[] = [];
  const device: NsmDevice = {
    async request(bytes) {
      requests.push(decode(bytes));
      return encode(new Map([['Attestation', new Map([['document', document]])]]));
    },
  };
  return { document, doc, device, requests };
}

describe('NitroNsmProvider (recorded document behind the NSM interface)', () => {
  test('sends user_data, nonce and public_key; returns a document the verifier accepts', async () => {
    const nsm = await recordedNsm();
    const provider = new NitroNsmProvider({ device: nsm.device });
    const out = await provider.getEvidence(nsm.doc.userData!, { nonce: nsm.doc.nonce! });
    expect(out.evidence).toEqual(nsm.document);
    // cbor2 decodes text-keyed maps to objects
    const request = nsm.requests[0] as { Attestation: Record<string, unknown> };
    expect(request.Attestation['user_data']).toEqual(nsm.doc.userData);
    expect(request.Attestation['nonce']).toEqual(nsm.doc.nonce);
    expect(request.Attestation['public_key']).toBeNull();
    const report = await verifyEvidence(
      { platform: 'nitro', evidence: out.evidence },
      { at: new Date('2022-11-10T00:00:00Z') },
    );
    expect(report.platform).toBe('nitro');
  });

  test('refuses a document that does not carry what was asked, and NSM errors', async () => {
    const nsm = await recordedNsm();
    const provider = new NitroNsmProvider({ device: nsm.device, publicKey: new Uint8Array(32) });
    await expect(provider.getEvidence(nsm.doc.userData!, { nonce: nsm.doc.nonce! })).rejects.toThrow(
      /does not carry/,
    );
    const failing = new NitroNsmProvider({
      device: { request: async () => encode(new Map([['Error', 'InvalidArgument']])) },
    });
    await expect(failing.getEvidence(new Uint8Array(64))).rejects.toThrow(/InvalidArgument/);
    const broken = new NitroNsmProvider({ device: { request: async () => new Uint8Array([0xff]) } });
    await expect(broken.getEvidence(new Uint8Array(64))).rejects.toBeInstanceOf(RuntimeError);
  });
});
