import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Encode, base64urlEncode, hexEncode } from './encoding.js';
import { decodeEnvelopeGpus, ENVELOPE_GPU_LIMITS, encodeEnvelopeGpus } from './envelope-gpus.js';
import { parseEvidenceEnvelope } from './parse-envelope.js';
import { ProtocolError } from './protocol-error.js';
import { computeKeyId } from './server-key.js';

const publicKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const envelope = {
  version: 1,
  platform: 'simulated',
  nonce: base64urlEncode(new Uint8Array(32).fill(9)),
  evidence: base64Encode(new Uint8Array([1, 2, 3])),
  hpkePublicKey: base64urlEncode(publicKey),
  keyId: hexEncode(computeKeyId(publicKey)),
  suites: { kem: 0x20, kdf: 1, aead: [1, 3] },
};
const gpu = { report: new Uint8Array([0x11, 0xe0, 1, 0xff]), certChain: [new Uint8Array([0x30, 1, 2])] };

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
}

describe('the envelope member "gpus"', () => {
  it('round-trips GPU evidence through the writer and the parser, dropping unknown item members', () => {
    const gpus = encodeEnvelopeGpus([gpu, gpu]);
    expect(gpus[0]).toEqual({ report: 'EeAB/w==', certChain: ['MAEC'] });
    const parsed = parseEvidenceEnvelope({ ...envelope, gpus: [{ ...gpus[0], extra: 1 }, gpus[1]] });
    expect(parsed.gpus).toEqual(gpus);
    expect(decodeEnvelopeGpus(parsed.gpus!)).toEqual([gpu, gpu]);
  });

  it('is optional: an envelope without it parses to one without it', () => {
    expect(parseEvidenceEnvelope(envelope)).not.toHaveProperty('gpus');
  });

  const many = (n: number) => Array.from({ length: n }, () => 'MAEC');
  it.each<[string, unknown]>([
    ['an object', { report: 'AA==' }],
    ['an item that is a string', ['AA==']],
    ['an item without a report', [{ certChain: ['MAEC'] }]],
    ['an empty report', [{ report: '', certChain: ['MAEC'] }]],
    ['a report in base64url', [{ report: '-_-_', certChain: ['MAEC'] }]],
    ['a report as bytes', [{ report: [1, 2], certChain: ['MAEC'] }]],
    ['no certificate chain', [{ report: 'AA==' }]],
    ['a PEM string as chain', [{ report: 'AA==', certChain: '-----BEGIN CERTIFICATE-----' }]],
    ['an empty chain', [{ report: 'AA==', certChain: [] }]],
    ['a chain of 9 certificates', [{ report: 'AA==', certChain: many(9) }]],
    ['a certificate that is not base64', [{ report: 'AA==', certChain: ['not base64!'] }]],
    [
      'a report over 32 KiB',
      [{ report: base64Encode(new Uint8Array(ENVELOPE_GPU_LIMITS.reportBytes + 1)), certChain: ['MAEC'] }],
    ],
    [
      'a certificate over 8 KiB',
      [
        {
          report: 'AA==',
          certChain: [base64Encode(new Uint8Array(ENVELOPE_GPU_LIMITS.certificateBytes + 1))],
        },
      ],
    ],
    ['9 GPUs', Array.from({ length: 9 }, () => ({ report: 'AA==', certChain: ['MAEC'] }))],
  ])('rejects %s with PROTOCOL_MALFORMED_ENVELOPE', (_, gpus) => {
    expect(code(() => parseEvidenceEnvelope({ ...envelope, gpus }))).toBe('PROTOCOL_MALFORMED_ENVELOPE');
  });

  it('accepts the bounds themselves: 8 GPUs, 8 certificates, a 32 KiB report', () => {
    const item = {
      report: base64Encode(new Uint8Array(ENVELOPE_GPU_LIMITS.reportBytes)),
      certChain: many(ENVELOPE_GPU_LIMITS.certificates),
    };
    const gpus = Array.from({ length: ENVELOPE_GPU_LIMITS.gpus }, () => item);
    expect(parseEvidenceEnvelope({ ...envelope, gpus }).gpus).toHaveLength(8);
  });

  it('the writer refuses what every client would refuse', () => {
    expect(code(() => encodeEnvelopeGpus(Array.from({ length: 9 }, () => gpu)))).toBe(
      'PROTOCOL_MALFORMED_ENVELOPE',
    );
    expect(code(() => encodeEnvelopeGpus([{ report: new Uint8Array(0), certChain: [] }]))).toBe(
      'PROTOCOL_MALFORMED_ENVELOPE',
    );
  });

  it('never throws anything but ProtocolError on arbitrary JSON in "gpus"', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (gpus) => {
        expect([undefined, 'PROTOCOL_MALFORMED_ENVELOPE']).toContain(
          code(() => parseEvidenceEnvelope({ ...envelope, gpus })),
        );
      }),
      { numRuns: 500 },
    );
  });
});
