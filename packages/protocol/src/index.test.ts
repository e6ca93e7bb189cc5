import { describe, expect, it } from 'vitest';
import * as protocol from './index.js';
import * as internal from './internal.js';

describe('@blindbox/protocol public API', () => {
  it('keeps the agreed constants', () => {
    expect(protocol.PROTOCOL_VERSION).toBe(1);
    expect(protocol.ATTEST_PATH).toBe('/.well-known/blindbox/v1/attest');
    expect(protocol.CALL_PATH).toBe('/.well-known/blindbox/v1/call');
    expect(protocol.HEALTH_PATH).toBe('/.well-known/blindbox/v1/health');
    expect(protocol.CALL_CONTENT_TYPE).toBe('application/blindbox-call');
    expect(protocol.RESPONSE_CONTENT_TYPE).toBe('application/blindbox-response');
    expect(protocol.UNKNOWN_KEY_PROBLEM_TYPE).toBe('https://blindbox.dev/problems/unknown-key');
  });

  it('exports the agreed functions', () => {
    // Encoders and CBOR moved to ./internal (small public API); the names are still exported.
    const exported = new Map<string, unknown>([...Object.entries(protocol), ...Object.entries(internal)]);
    for (const name of [
      'parseAttestRequest',
      'parseEvidenceEnvelope',
      'newNonce',
      'computeBinding',
      'base64urlEncode',
      'base64urlDecode',
      'base64Encode',
      'base64Decode',
      'generateServerKey',
      'deriveServerKey',
      'sealRequest',
      'openRequest',
      'encodeCbor',
      'decodeCbor',
      'ProtocolError',
    ] as const) {
      expect(typeof exported.get(name), name).toBe('function');
    }
    expect(protocol.newNonce()).toHaveLength(32);
  });
});
