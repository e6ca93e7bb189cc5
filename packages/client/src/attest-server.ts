import {
  AttestationError,
  type EvidencePolicy,
  type VerificationReport,
  verifyEvidence,
} from '@blindbox/attestation';
import {
  ATTEST_PATH,
  computeBinding,
  computeKeyId,
  type EvidenceEnvelope,
  newNonce,
  ProtocolError,
  parseEvidenceEnvelope,
} from '@blindbox/protocol';
import { base64Decode, base64urlDecode, base64urlEncode, hexEncode } from '@blindbox/protocol/internal';
import { ClientError } from './client-error.js';

/** Options of {@link attestServer}: how to verify evidence, not which releases to accept. */
export interface AttestOptions {
  /** Accept the local simulator's evidence (development only). Default: false. */
  allowSimulated?: boolean;
  /** Simulator root public keys (base64 SPKI DER) trusted when `allowSimulated` is set. Default: none. */
  simulatorRoots?: readonly string[];
  /** Accept a TEE in debug mode. Default: false. */
  allowDebug?: boolean;
  /** Extra platform policy passed to the verifier. */
  evidencePolicy?: Omit<
    EvidencePolicy,
    'at' | 'expectedReportData' | 'allowSimulated' | 'simulatorRoots' | 'allowDebug'
  >;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default: () => new Date(). */
  now?: () => Date;
  /** Extra headers on the attest request. */
  headers?: Record<string, string>;
}

/** Fresh evidence from a server, verified and bound to its key; the measurement is not yet judged. */
export interface AttestedServer {
  envelope: EvidenceEnvelope;
  report: VerificationReport;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  at: Date;
}

/**
 * Sends a fresh nonce, checks the envelope, the nonce echo, the hardware evidence and the binding of
 * (nonce, HPKE key). Whether the measurement is acceptable is the caller's policy (see `connect`).
 */
export async function attestServer(url: string, options: AttestOptions = {}): Promise<AttestedServer> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const nonce = newNonce();
  let res: Response;
  try {
    res = await doFetch(new URL(ATTEST_PATH, url), {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ nonce: base64urlEncode(nonce) }),
    });
  } catch (err) {
    throw new ClientError('CLIENT_NETWORK_ERROR', `cannot reach ${url}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (res.status !== 200) throw new ClientError('CLIENT_HTTP_ERROR', `attest answered HTTP ${res.status}`);
  const envelope = parseEvidenceEnvelope(await res.json().catch(() => undefined));
  if (envelope.nonce !== base64urlEncode(nonce)) {
    throw new AttestationError(
      'ATTESTATION_NONCE_MISMATCH',
      'the evidence answers another nonce than the one just sent: stale or replayed evidence',
      [{ name: 'binding.nonce', ok: false, expected: base64urlEncode(nonce), found: envelope.nonce }],
    );
  }
  const publicKey = base64urlDecode(envelope.hpkePublicKey);
  const at = (options.now ?? (() => new Date()))();
  const report = await verifyEvidence(
    {
      platform: envelope.platform,
      evidence: base64Decode(envelope.evidence),
      ...(envelope.collateral ? { collateral: envelope.collateral } : {}),
    },
    {
      ...options.evidencePolicy,
      at,
      // Relay attack: the evidence must bind this nonce AND this key (docs/protocol.md §3.3).
      expectedReportData: computeBinding(nonce, publicKey),
      allowSimulated: options.allowSimulated === true,
      simulatorRoots: options.simulatorRoots ?? [],
      allowDebug: options.allowDebug === true,
      // Nitro carries nonce and key in fields of their own: check them too (docs/protocol.md §3.3).
      nitro: { ...options.evidencePolicy?.nitro, expectedNonce: nonce, expectedPublicKey: publicKey },
    },
  );
  // docs/protocol.md §4 step 6: the key id is derived from the attested key, never taken on trust.
  const keyId = computeKeyId(publicKey);
  if (hexEncode(keyId) !== envelope.keyId) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_ENVELOPE',
      `the envelope's keyId ${envelope.keyId} is not derived from its attested public key`,
    );
  }
  return { envelope, report, keyId, publicKey, at };
}
