import { base64DecodeLenient, equalBytes, hexEncode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import type { VerificationReport } from '../verification-report.js';
import { CheckList, runChecks } from '../verifier/check-list.js';
import { requireExpectedBytes } from '../verifier/expected-values.js';
import { parseSimulatedReport } from './simulated-report.js';

/** Policy for simulated evidence. Simulated evidence proves nothing about hardware: dev and tests only. */
export interface SimulatedPolicy {
  /** Simulator root public keys (base64 SPKI DER) this verifier trusts. Required: none trusted by default. */
  trustedRoots: readonly string[];
  /** Verification time. Default: now. */
  at?: Date;
  /** Oldest acceptable report, in seconds before `at`. Default: 300. */
  maxAgeSeconds?: number;
  /** Accept a report whose debug flag is set. Default: false. */
  allowDebug?: boolean;
  /** The 64 bytes the report must bind (the protocol binding). When absent, report_data is not checked. */
  expectedReportData?: Uint8Array;
}

const CLOCK_SKEW_MS = 60_000;

/** Imported root keys by their SPKI bytes (hex), a few at most: importing cost ~0.2 ms per verify (issue 8). */
const importedRoots = new Map<string, Promise<CryptoKey>>();
const MAX_IMPORTED_ROOTS = 16;

function importRoot(spki: Uint8Array): Promise<CryptoKey> {
  const id = hexEncode(spki);
  const known = importedRoots.get(id);
  if (known !== undefined) return known;
  const imported = crypto.subtle.importKey(
    'spki',
    spki as Uint8Array<ArrayBuffer>,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  if (importedRoots.size >= MAX_IMPORTED_ROOTS)
    importedRoots.delete(importedRoots.keys().next().value as string);
  importedRoots.set(id, imported);
  // A root WebCrypto refuses is not remembered (its error still reaches this verify).
  imported.catch(() => importedRoots.delete(id));
  return imported;
}

/** Verifies simulated evidence: layout, trusted signer, signature, freshness, debug, binding. */
export async function verifySimulatedEvidence(
  evidence: Uint8Array,
  policy: SimulatedPolicy,
): Promise<VerificationReport> {
  const checks = new CheckList();
  // As the hardware verifiers: whatever goes wrong (a root WebCrypto refuses, a bad root encoding)
  // leaves as an AttestationError whose last check failed, never as another exception.
  return runChecks(checks, 'simulated.evidence', () => verifySimulated(evidence, policy, checks));
}

async function verifySimulated(
  evidence: Uint8Array,
  policy: SimulatedPolicy,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = policy.at ?? new Date();
  const report = parseSimulatedReport(evidence);
  checks.pass('simulated.layout', { found: `version ${report.version}` });

  const roots = policy.trustedRoots.map((b64) => base64DecodeLenient(b64));
  const root = roots.find((spki) => equalBytes(sha256(spki), report.signerKeyId));
  checks.require(
    root !== undefined,
    'simulated.root',
    'ATTESTATION_UNTRUSTED_ROOT',
    `simulated evidence is signed by key ${hexEncode(report.signerKeyId)}, which is not one of the ${roots.length} trusted simulator root(s); pass that simulator's public key (blindbox sim-root show) as a trusted root`,
    {
      expected: roots.map((r) => hexEncode(sha256(r))).join(',') || '(none)',
      found: hexEncode(report.signerKeyId),
    },
  );

  const key = await importRoot(root as Uint8Array);
  const signatureOk = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    report.signature as Uint8Array<ArrayBuffer>,
    report.signed as Uint8Array<ArrayBuffer>,
  );
  checks.require(
    signatureOk,
    'simulated.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'simulated report signature does not verify',
  );

  const age = at.getTime() - report.timestamp.getTime();
  const maxAge = (policy.maxAgeSeconds ?? 300) * 1000;
  checks.require(
    age <= maxAge && age >= -CLOCK_SKEW_MS,
    'simulated.freshness',
    'ATTESTATION_STALE',
    `simulated report time ${report.timestamp.toISOString()} is outside [${new Date(at.getTime() - maxAge).toISOString()}, ${at.toISOString()}]`,
    { expected: `<= ${maxAge / 1000}s old`, found: `${Math.round(age / 1000)}s` },
  );

  checks.require(
    !report.debug || policy.allowDebug === true,
    'simulated.debug',
    'ATTESTATION_DEBUG',
    'the simulated TEE reports debug mode; pass allowDebug to accept it',
    { expected: 'false', found: String(report.debug) },
  );

  requireExpectedBytes(
    checks,
    'binding.reportData',
    'ATTESTATION_BINDING_MISMATCH',
    policy.expectedReportData,
    report.reportData,
    'report_data does not bind this nonce and this public key: replayed evidence or a relay that swapped the key',
  );

  return {
    platform: 'simulated',
    measurement: hexEncode(report.measurement),
    reportData: hexEncode(report.reportData),
    debug: report.debug,
    checks: checks.checks,
    claims: { timestamp: report.timestamp.toISOString(), signerKeyId: hexEncode(report.signerKeyId) },
    verifiedAt: at.toISOString(),
  };
}
