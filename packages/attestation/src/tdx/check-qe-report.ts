import { concatBytes, equalBytes, hexEncode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CheckList } from '../verifier/check-list.js';
import { verifySignature } from '../x509/verify-signature.js';
import type { PckChain } from './check-pck-chain.js';
import type { TdxQuote } from './parse-tdx-quote.js';

/**
 * Steps 5 and 6, the Quoting Enclave's report: signed by the PCK key (ECDSA P-256 over the 384-byte
 * report), and its REPORTDATA binds the attestation key: SHA-256(attestation key ‖ QE authentication
 * data) in the first 32 bytes, zeros after (Intel DCAP quote format, "QE Report Data"). Without the
 * binding any key could sign a quote under a genuine QE report.
 */
export async function checkQeReport(quote: TdxQuote, chain: PckChain, checks: CheckList): Promise<void> {
  const signed = await verifySignature(
    chain.pck.publicKey,
    { kind: 'ecdsa', hash: 'SHA-256' },
    quote.qeReport.raw,
    quote.qeReportSignature,
  );
  checks.require(
    signed,
    'tdx.qe.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'the QE report signature does not verify with the PCK key: the QE report was altered or comes from another platform',
    { expected: 'signed by the PCK', found: signed ? 'valid' : 'invalid' },
  );
  const expected = concatBytes(
    sha256(concatBytes(quote.attestationKey, quote.qeAuthData)),
    new Uint8Array(32),
  );
  const found = quote.qeReport.reportData;
  checks.require(
    equalBytes(found, expected),
    'tdx.qe.attestationKey',
    'ATTESTATION_CERT_CHAIN',
    "the QE report does not vouch for the quote's attestation key (REPORTDATA ≠ SHA-256(attestation key ‖ QE auth data) ‖ zeros)",
    { expected: hexEncode(expected), found: hexEncode(found) },
  );
}

/** Step 7, the quote signature: ECDSA P-256 by the attestation key over header ‖ TD report body. */
export async function checkQuoteSignature(quote: TdxQuote, checks: CheckList): Promise<void> {
  const signed = await verifySignature(
    { kind: 'ec', curve: 'P-256', point: concatBytes(new Uint8Array([0x04]), quote.attestationKey) },
    { kind: 'ecdsa', hash: 'SHA-256' },
    quote.signed,
    quote.signature,
  );
  checks.require(
    signed,
    'tdx.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'the quote signature does not verify with the attestation key: the TD report or the header was altered',
    { expected: 'signed by the attestation key', found: signed ? 'valid' : 'invalid' },
  );
}
