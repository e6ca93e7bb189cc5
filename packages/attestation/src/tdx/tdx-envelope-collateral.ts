import { AttestationError } from '../attestation-error.js';
import type { TdxCollateral } from './tdx-options.js';

const TEXT_KEYS = [
  'tcbInfo',
  'tcbInfoIssuerChain',
  'qeIdentity',
  'qeIdentityIssuerChain',
  'pckCrlIssuerChain',
] as const;
const CRL_KEYS = ['pckCrl', 'rootCrl'] as const;

/**
 * TDX collateral from the protocol envelope (`EvidenceInput.collateral`): the PCS texts as strings,
 * the CRLs as PEM or base64 DER strings (or bytes). Unknown keys are ignored; a known key of the
 * wrong type is `ATTESTATION_MALFORMED_EVIDENCE`.
 */
export function tdxEnvelopeCollateral(collateral: Record<string, unknown> = {}): TdxCollateral {
  const out: TdxCollateral = {};
  const wrong = (key: string, value: unknown) =>
    new AttestationError(
      'ATTESTATION_MALFORMED_EVIDENCE',
      `collateral.${key} is not ${key.endsWith('Crl') ? 'text or bytes' : 'text'}`,
      [{ name: 'tdx.collateral', ok: false, found: typeof value }],
    );
  for (const key of TEXT_KEYS) {
    const value = collateral[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw wrong(key, value);
    out[key] = value;
  }
  for (const key of CRL_KEYS) {
    const value = collateral[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw wrong(key, value);
    out[key] = value;
  }
  return out;
}
