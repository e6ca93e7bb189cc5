import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAttestRequest } from './attest-request.js';
import { base64Encode, base64urlEncode, hexEncode } from './encoding.js';
import { type EvidenceEnvelope, parseEvidenceEnvelope } from './parse-envelope.js';
import { ProtocolError } from './protocol-error.js';
import { selectAead } from './select-aead.js';
import { computeKeyId } from './server-key.js';

const publicKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const valid: EvidenceEnvelope = {
  version: 1,
  platform: 'simulated',
  nonce: base64urlEncode(new Uint8Array(32).fill(9)),
  evidence: base64Encode(new Uint8Array([1, 2, 3])),
  collateral: { vcek: 'pem' },
  hpkePublicKey: base64urlEncode(publicKey),
  keyId: hexEncode(computeKeyId(publicKey)),
  suites: { kem: 0x20, kdf: 1, aead: [1, 3] },
  release: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
};

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
}

describe('parseEvidenceEnvelope', () => {
  it('accepts a valid envelope and drops unknown members', () => {
    expect(parseEvidenceEnvelope({ ...valid, extra: 1 })).toEqual(valid);
    const { collateral: _c, release: _r, ...minimal } = valid;
    expect(parseEvidenceEnvelope(minimal)).toEqual(minimal);
  });

  it.each<[string, Record<string, unknown>]>([
    ['version 2', { version: 2 }],
    ['version "1"', { version: '1' }],
    ['an uppercase platform', { platform: 'SEV-SNP' }],
    ['a 31-byte nonce', { nonce: base64urlEncode(new Uint8Array(31)) }],
    ['a padded nonce', { nonce: `${base64urlEncode(new Uint8Array(32))}=` }],
    ['empty evidence', { evidence: '' }],
    ['evidence in base64url', { evidence: '-_-_' }],
    ['collateral as an array', { collateral: [] }],
    ['a 33-byte public key', { hpkePublicKey: base64urlEncode(new Uint8Array(33)) }],
    ['an uppercase key id', { keyId: valid.keyId.toUpperCase() }],
    ['a 7-byte key id', { keyId: '00000000000000' }],
    ['no suites', { suites: undefined }],
    ['an empty aead list', { suites: { kem: 0x20, kdf: 1, aead: [] } }],
    ['a fractional id', { suites: { kem: 0x20, kdf: 1.5, aead: [1] } }],
    ['a 17-bit id', { suites: { kem: 0x20, kdf: 1, aead: [0x10000] } }],
  ])('rejects %s', (_, change) => {
    expect(code(() => parseEvidenceEnvelope({ ...valid, ...change }))).toBe('PROTOCOL_MALFORMED_ENVELOPE');
  });

  it('leaves the key id and the binding to the client checks (a swapped key is not "malformed")', () => {
    const other = base64urlEncode(new Uint8Array(32).fill(0xee));
    expect(parseEvidenceEnvelope({ ...valid, hpkePublicKey: other }).hpkePublicKey).toBe(other);
  });

  it.each([null, 1, 'x', [], true])('rejects the non-object %j', (value) => {
    expect(code(() => parseEvidenceEnvelope(value))).toBe('PROTOCOL_MALFORMED_ENVELOPE');
  });

  it('never throws anything but ProtocolError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        expect(code(() => parseEvidenceEnvelope(json)) ?? 'PROTOCOL_MALFORMED_ENVELOPE').toBe(
          'PROTOCOL_MALFORMED_ENVELOPE',
        );
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but ProtocolError on mutated valid envelopes', () => {
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const result = code(() => parseEvidenceEnvelope({ ...valid, [key]: value }));
        expect([undefined, 'PROTOCOL_MALFORMED_ENVELOPE']).toContain(result);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseAttestRequest', () => {
  it('accepts 32 bytes of base64url', () => {
    const nonce = base64urlEncode(new Uint8Array(32).fill(200));
    expect(parseAttestRequest({ nonce })).toEqual({ nonce });
  });

  it.each([{}, { nonce: 1 }, { nonce: base64urlEncode(new Uint8Array(16)) }, { nonce: 'AA==' }, null, []])(
    'rejects %j',
    (json) => {
      expect(code(() => parseAttestRequest(json))).toBe('PROTOCOL_MALFORMED_REQUEST');
    },
  );
});

describe('selectAead', () => {
  it('prefers the client choice when offered, else the server order', () => {
    expect(selectAead({ kem: 0x20, kdf: 1, aead: [3, 1] })).toBe('chacha20-poly1305');
    expect(selectAead({ kem: 0x20, kdf: 1, aead: [3, 1] }, 'aes-128-gcm')).toBe('aes-128-gcm');
    expect(selectAead({ kem: 0x20, kdf: 1, aead: [2, 1] }, 'chacha20-poly1305')).toBe('aes-128-gcm');
  });

  it('refuses suites protocol v1 does not speak', () => {
    expect(code(() => selectAead({ kem: 0x10, kdf: 1, aead: [1] }))).toBe('PROTOCOL_UNSUPPORTED_SUITE');
    expect(code(() => selectAead({ kem: 0x20, kdf: 1, aead: [2] }))).toBe('PROTOCOL_UNSUPPORTED_SUITE');
  });
});
