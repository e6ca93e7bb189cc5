import { AttestationError, CheckList, runChecks } from '../attestation-error.js';
import { bytesEqual, toHex } from '../bytes.js';
import { PINNED_ROOTS } from '../pinned-roots.js';
import type { VerificationReport } from '../verification-report.js';
import { parseCertificate } from '../x509/parse-certificate.js';
import { type ChainLink, verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import { verifySignature } from '../x509/verify-signature.js';
import { COSE_ES384, coseSign1SigStructure, decodeCoseSign1 } from './decode-cose-sign1.js';
import { type NitroDocument, parseNitroDocument } from './parse-nitro-document.js';

/** PCR indexes a policy may pin: 0 (enclave image), 1 (kernel and bootstrap), 2 (application), 3 (parent IAM role), 4 (parent instance id), 8 (signing certificate). */
export type NitroPcrIndex = 0 | 1 | 2 | 3 | 4 | 8;

/** One accepted combination of PCR values (hex). PCR0, PCR1 and PCR2 are required; 3, 4 and 8 are optional. */
export type NitroPcrSet = { 0: string; 1: string; 2: string } & Partial<Record<3 | 4 | 8, string>>;

/** Nitro Enclaves policy. Every default is the safe one. */
export interface NitroPolicy {
  /** Accept a debug-mode enclave (PCR0, PCR1 and PCR2 all zero: the parent can read its memory). Default: false. */
  allowDebug?: boolean;
  /**
   * Oldest acceptable document, in seconds before the verification time. Default: 10800 (3 hours),
   * the lifetime of the NSM's signing certificate, so that the timestamp never outlives the chain.
   * Clients that bind a fresh nonce get freshness from the nonce; set this lower for stored evidence.
   */
  maxAgeSeconds?: number;
  /**
   * Accepted PCR combinations: the document must match one set in every PCR the set names, and
   * every set must name PCR0, PCR1 and PCR2 (a policy that pins fewer is refused, not weakened).
   * Default: not checked here (the client checks PCR0 against its accepted releases).
   */
  pcrs?: readonly NitroPcrSet[];
  /** Accepted PCR0 values (hex), the `measurement`. Default: not checked. */
  measurements?: readonly string[];
  /** The `nonce` the document must carry (the protocol nonce). Default: not checked. */
  expectedNonce?: Uint8Array;
  /** The `public_key` the document must carry (the enclave's HPKE public key). Default: not checked. */
  expectedPublicKey?: Uint8Array;
  /** The `user_data` the document must carry. Default: not checked. Checked in addition to (never instead of) `expectedReportData`. */
  expectedUserData?: Uint8Array;
}

/** Everything {@link verifyNitroDocument} needs besides the document. */
export interface NitroVerifyOptions extends NitroPolicy {
  /** Verification time for the chain and the freshness window. Default: now. */
  at?: Date;
  /** The 64-byte protocol binding, checked against `user_data` (docs/protocol.md §3.3). Default: not checked. */
  expectedReportData?: Uint8Array;
}

/** Tolerated clock skew for documents from the future. */
const FUTURE_SKEW_MS = 60_000;
const DEFAULT_MAX_AGE_SECONDS = 3 * 3600;

function hexValue(value: string, what: string): string {
  const clean = value.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(clean) || ![64, 96, 128].includes(clean.length)) {
    throw new AttestationError(
      'ATTESTATION_POLICY',
      `policy ${what} "${value}" is not 32, 48 or 64 bytes of hex`,
    );
  }
  return clean;
}

/**
 * Verifies a Nitro Enclaves attestation document (AWS Nitro Enclaves User Guide, "Verifying the root
 * of trust"): COSE_Sign1 layout, the cabundle chain to the pinned AWS root with every certificate
 * valid at `at`, the ES384 signature by the leaf, freshness, debug mode, PCRs, and the nonce, public
 * key and user data against the binding. Throws {@link AttestationError} at the first failure.
 */
export async function verifyNitroDocument(
  document: Uint8Array,
  options: NitroVerifyOptions = {},
): Promise<VerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'nitro.evidence', () => verifyNitro(document, options, checks));
}

async function verifyNitro(
  bytes: Uint8Array,
  options: NitroVerifyOptions,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = options.at ?? new Date();
  const cose = decodeCoseSign1(bytes);
  checks.pass('nitro.cose.layout');
  checks.require(
    cose.alg === COSE_ES384,
    'nitro.cose.alg',
    'ATTESTATION_UNSUPPORTED',
    `the document is signed with COSE algorithm ${cose.alg}; Nitro documents use ES384 (-35)`,
    { expected: String(COSE_ES384), found: String(cose.alg) },
  );
  const doc = parseNitroDocument(cose.payload);
  checks.pass('nitro.document.layout', { found: doc.moduleId });

  // The chain: cabundle[0] is the root, each next certificate is issued by the previous one, and the
  // document's certificate by the last one.
  const certs = [...doc.cabundle, doc.certificate].map((der) => parseCertificate(der));
  const links: ChainLink[] = certs
    .map((cert, i) => ({
      label: i === 0 ? 'root' : i === certs.length - 1 ? 'leaf' : `intermediate${i}`,
      cert,
    }))
    .reverse();
  await verifyCertificateChain(links, {
    at,
    pinnedRootSha256: [PINNED_ROOTS.awsNitro],
    checks,
    prefix: 'nitro.chain',
  });
  const leafKey = certs[certs.length - 1]!.publicKey;
  checks.require(
    leafKey.kind === 'ec' && leafKey.curve === 'P-384',
    'nitro.leaf.key',
    'ATTESTATION_CERT_CHAIN',
    'the NSM certificate does not hold a P-384 key',
  );
  // RFC 9052 §4.4 Sig_structure; ES384 signatures are r ‖ s, 48 bytes each (RFC 9053 §2.1).
  const signatureOk =
    cose.signature.length === 96 &&
    (await verifySignature(
      leafKey,
      { kind: 'ecdsa', hash: 'SHA-384' },
      coseSign1SigStructure(cose),
      cose.signature,
    ));
  checks.require(
    signatureOk,
    'nitro.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'the COSE_Sign1 signature does not verify with the NSM certificate: the document was altered',
  );

  const maxAge = (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const age = at.getTime() - doc.timestamp.getTime();
  checks.require(
    age <= maxAge && age >= -FUTURE_SKEW_MS,
    'nitro.freshness',
    'ATTESTATION_STALE',
    `the document was signed at ${doc.timestamp.toISOString()}, outside [${new Date(at.getTime() - maxAge).toISOString()}, ${at.toISOString()}]`,
    { expected: `<= ${maxAge / 1000}s old`, found: `${Math.round(age / 1000)}s` },
  );

  const [pcr0, pcr1, pcr2] = [0, 1, 2].map((i) => doc.pcrs.get(i));
  checks.require(
    pcr0 !== undefined && pcr1 !== undefined && pcr2 !== undefined,
    'nitro.pcrs.present',
    'ATTESTATION_MALFORMED_EVIDENCE',
    'the document lacks PCR0, PCR1 or PCR2',
  );
  // Nitro Enclaves User Guide, "Debug mode": an enclave started with --debug-mode reports PCR0–2 as zero.
  const debug = [pcr0, pcr1, pcr2].every((p) => p?.every((b) => b === 0));
  checks.require(
    !debug || options.allowDebug === true,
    'nitro.debug',
    'ATTESTATION_DEBUG',
    'PCR0, PCR1 and PCR2 are all zero: a debug-mode enclave whose memory the parent instance can read; pass allowDebug to accept it (never in production)',
    { expected: 'false', found: String(debug) },
  );

  const pcrHex = (i: number) => {
    const v = doc.pcrs.get(i);
    return v ? toHex(v) : undefined;
  };
  if (options.pcrs) {
    const sets = options.pcrs.map((set) => {
      const entries = Object.entries(set).map(
        ([k, v]) => [Number(k), hexValue(v as string, `PCR${k}`)] as const,
      );
      if (![0, 1, 2].every((i) => entries.some(([k]) => k === i))) {
        // Incomplete PCR policies are how verifiers came to accept any application (CVE-2025-64186).
        throw new AttestationError(
          'ATTESTATION_POLICY',
          'every accepted PCR set must pin PCR0, PCR1 and PCR2',
        );
      }
      if (entries.some(([k]) => ![0, 1, 2, 3, 4, 8].includes(k))) {
        throw new AttestationError('ATTESTATION_POLICY', 'PCR sets may pin PCR0, 1, 2, 3, 4 and 8 only');
      }
      return entries;
    });
    const match = sets.some((entries) => entries.every(([i, v]) => pcrHex(i) === v));
    const named = [...new Set(sets.flatMap((e) => e.map(([i]) => i)))].sort((a, b) => a - b);
    checks.require(
      match,
      'nitro.pcrs',
      'ATTESTATION_PCR_MISMATCH',
      'the enclave PCRs match none of the accepted PCR sets: a different image, kernel, application or signer is running',
      {
        expected: sets.map((e) => e.map(([i, v]) => `PCR${i}=${v}`).join(' ')).join(' | '),
        found: named.map((i) => `PCR${i}=${pcrHex(i) ?? '(absent)'}`).join(' '),
      },
    );
  }
  const measurement = toHex(pcr0 as Uint8Array);
  if (options.measurements) {
    const accepted = options.measurements.map((m) => hexValue(m, 'measurement'));
    checks.require(
      accepted.includes(measurement),
      'nitro.measurement',
      'ATTESTATION_MEASUREMENT_MISMATCH',
      `PCR0 ${measurement} is not one the policy accepts: a different enclave image is running`,
      { expected: accepted.join(','), found: measurement },
    );
  }

  const field = (
    name: string,
    found: Uint8Array | undefined,
    expected: Uint8Array | undefined,
    code: 'ATTESTATION_NONCE_MISMATCH' | 'ATTESTATION_BINDING_MISMATCH',
    why: string,
  ) => {
    if (!expected) return;
    checks.require(found !== undefined && bytesEqual(found, expected), name, code, why, {
      expected: toHex(expected),
      found: found ? toHex(found) : '(absent)',
    });
  };
  field(
    'nitro.nonce',
    doc.nonce,
    options.expectedNonce,
    'ATTESTATION_NONCE_MISMATCH',
    'the document nonce is not the one this client sent: replayed evidence',
  );
  field(
    'nitro.publicKey',
    doc.publicKey,
    options.expectedPublicKey,
    'ATTESTATION_BINDING_MISMATCH',
    'the document public_key is not the key the server offered: a relay swapped the key',
  );
  // Both are checked when both are given: an expectedUserData must never stand in for the binding.
  field(
    'binding.userData',
    doc.userData,
    options.expectedReportData,
    'ATTESTATION_BINDING_MISMATCH',
    'user_data does not bind this nonce and this public key: replayed evidence or a relay that swapped the key',
  );
  field(
    'nitro.userData',
    doc.userData,
    options.expectedUserData,
    'ATTESTATION_BINDING_MISMATCH',
    'user_data is not the value the policy expects',
  );

  const pcrs: Record<number, string> = {};
  for (const [i, v] of [...doc.pcrs].sort(([a], [b]) => a - b)) pcrs[i] = toHex(v);
  return {
    platform: 'nitro',
    measurement,
    reportData: doc.userData ? toHex(doc.userData) : '',
    pcrs,
    debug,
    checks: checks.checks,
    claims: nitroClaims(doc),
    verifiedAt: at.toISOString(),
  };
}

function nitroClaims(doc: NitroDocument): Record<string, unknown> {
  return {
    moduleId: doc.moduleId,
    digest: doc.digest,
    timestamp: doc.timestamp.toISOString(),
    nonce: doc.nonce ? toHex(doc.nonce) : null,
    publicKey: doc.publicKey ? toHex(doc.publicKey) : null,
    userData: doc.userData ? toHex(doc.userData) : null,
  };
}
