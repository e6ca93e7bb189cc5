import {
  AttestationError,
  type EvidencePolicy,
  type GpuVerificationReport,
  type VerificationReport,
  verifyEvidence,
} from '@blindbox/attestation';
import { utf8Encode } from '@blindbox/bytes';
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

const lenient = new TextDecoder();
const utf8DecodeLenient = (bytes: Uint8Array): string => lenient.decode(bytes);

import { ClientError } from './client-error.js';
import { type ClientLimits, type ClientTimeouts, DEFAULT_LIMITS, DEFAULT_TIMEOUTS } from './client-limits.js';
import { readBody, startExchange } from './exchange.js';
import { type DeviceReport, type GpuPolicy, listDevices, verifyServerGpus } from './gpu-policy.js';
import { parseJsonBounded } from './parse-json.js';
import { expectedGpuNonceOverride } from './recorded-gpu-nonce.js';

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
  /**
   * NVIDIA GPUs the server must present next to its CPU TEE (docs/attestation.md, "GPU evidence").
   * Default: none required; GPU evidence a server presents anyway is still verified (signature,
   * chain to NVIDIA's root, nonce) and listed in `devices`.
   */
  gpus?: GpuPolicy;
  /** The HTTP client. Default: node:http(s) with a keep-alive agent in Node, the global fetch elsewhere; a fetch given here is used instead (a proxy, a custom dispatcher). */
  fetch?: typeof fetch;
  /** Default: () => new Date(). */
  now?: () => Date;
  /** Extra headers on the attest request. */
  headers?: Record<string, string>;
  /** Timeouts of every exchange; see {@link ClientTimeouts} for the defaults. */
  timeouts?: ClientTimeouts;
  /** Size limits of what the client reads; see {@link ClientLimits} for the defaults. */
  limits?: ClientLimits;
}

/** Fresh evidence from a server, verified and bound to its key; the measurement is not yet judged. */
export interface AttestedServer {
  envelope: EvidenceEnvelope;
  /** The CPU TEE's report. */
  report: VerificationReport;
  /** Each GPU's report, in the envelope's order (empty without GPU evidence). */
  gpus: GpuVerificationReport[];
  /** Every device of the TEE with its checks: the CPU TEE, then each GPU. */
  devices: DeviceReport[];
  keyId: Uint8Array;
  publicKey: Uint8Array;
  at: Date;
}

/**
 * Sends a fresh nonce, checks the envelope, the nonce echo, the hardware evidence and the binding of
 * (nonce, HPKE key). Whether the measurement is acceptable is the caller's policy (see `connect`).
 */
export async function attestServer(url: string, options: AttestOptions = {}): Promise<AttestedServer> {
  const doFetch = options.fetch;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const nonce = newNonce();
  const exchange = await startExchange(
    doFetch,
    new URL(ATTEST_PATH, url),
    {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json' },
      body: utf8Encode(JSON.stringify({ nonce: base64urlEncode(nonce) })),
    },
    { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    'attest',
  );
  if (exchange.status !== 200) {
    exchange.cancel();
    throw new ClientError('CLIENT_HTTP_ERROR', `attest answered HTTP ${exchange.status}`, {
      status: exchange.status,
      retryable: exchange.status >= 500,
    });
  }
  // Bounded: 200 MB of "evidence" took the client to 718 MB before this limit.
  const text = utf8DecodeLenient(await readBody(exchange, limits.attestBytes, 'attest'));
  const envelope = parseEvidenceEnvelope(parseJsonBounded(text, limits.jsonDepth, 'attest'));
  if (envelope.nonce !== base64urlEncode(nonce)) {
    throw new AttestationError(
      'ATTESTATION_NONCE_MISMATCH',
      'the evidence answers another nonce than the one just sent: stale or replayed evidence',
      [{ name: 'binding.nonce', ok: false, expected: base64urlEncode(nonce), found: envelope.nonce }],
    );
  }
  const publicKey = base64urlDecode(envelope.hpkePublicKey);
  const at = (options.now ?? (() => new Date()))();
  const binding = computeBinding(nonce, publicKey);
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
      expectedReportData: binding,
      allowSimulated: options.allowSimulated === true,
      simulatorRoots: options.simulatorRoots ?? [],
      allowDebug: options.allowDebug === true,
      // Nitro carries nonce and key in fields of their own: check them too (docs/protocol.md §3.3).
      nitro: { ...options.evidencePolicy?.nitro, expectedNonce: nonce, expectedPublicKey: publicKey },
    },
  );
  // The GPUs answer a nonce derived from the same binding: bound to this session too (§3.4).
  const gpus = await verifyServerGpus(envelope, binding, options.gpus, at, expectedGpuNonceOverride(options));
  // docs/protocol.md §4 step 6: the key id is derived from the attested key, never taken on trust.
  const keyId = computeKeyId(publicKey);
  if (hexEncode(keyId) !== envelope.keyId) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_ENVELOPE',
      `the envelope's keyId ${envelope.keyId} is not derived from its attested public key`,
    );
  }
  return { envelope, report, gpus, devices: listDevices(report, gpus), keyId, publicKey, at };
}
