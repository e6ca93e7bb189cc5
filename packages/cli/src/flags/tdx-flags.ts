import { Flags } from '@oclif/core';
import { onlyWithPlatform } from './platform-only-flag.js';

const tdx = onlyWithPlatform('tdx');
const COLLATERAL = [
  'tcb-info',
  'tcb-info-chain',
  'qe-identity',
  'qe-identity-chain',
  'pck-crl',
  'pck-crl-chain',
  'root-crl',
];

/**
 * `evidence verify --platform tdx` flags: Intel's collateral as files (as the PCS serves it: the
 * response bodies, the issuer-chain headers URL-decoded to PEM, the CRLs as DER or PEM), the
 * explicit `--no-collateral` that skips the TCB assessment, and the TD's expected values.
 */
export const tdxFlags = {
  'tcb-info': Flags.string({
    description: 'TDX: TCB info, the PCS body {"tcbInfo":…,"signature":…}',
    relationships: tdx,
    dependsOn: ['tcb-info-chain'],
  }),
  'tcb-info-chain': Flags.string({
    description: 'TDX: the TCB info issuer chain (Intel SGX TCB Signing, root), PEM',
    relationships: tdx,
    dependsOn: ['tcb-info'],
  }),
  'qe-identity': Flags.string({
    description: 'TDX: QE identity, the PCS body {"enclaveIdentity":…,"signature":…}',
    relationships: tdx,
    dependsOn: ['qe-identity-chain'],
  }),
  'qe-identity-chain': Flags.string({
    description: 'TDX: the QE identity issuer chain, PEM',
    relationships: tdx,
    dependsOn: ['qe-identity'],
  }),
  'pck-crl': Flags.string({ description: "TDX: the PCK CA's CRL, DER or PEM", relationships: tdx }),
  'pck-crl-chain': Flags.string({
    description: 'TDX: the PCK CRL issuer chain, PEM [default: the CA in the quote]',
    relationships: tdx,
    dependsOn: ['pck-crl'],
  }),
  'root-crl': Flags.string({ description: 'TDX: the Intel SGX Root CA CRL, DER or PEM', relationships: tdx }),
  'no-collateral': Flags.boolean({
    description:
      "TDX: verify the quote and the PCK chain only, without Intel's collateral; the TCB status, the QE identity and revocation are NOT assessed",
    default: false,
    relationships: tdx,
    exclusive: COLLATERAL,
  }),
  'accept-tcb-status': Flags.string({
    description: 'TDX: also accept this TCB status (UpToDate always is; Revoked never); repeatable',
    multiple: true,
    relationships: tdx,
  }),
  'expect-mrtd': Flags.string({ description: 'TDX: required MRTD, hex (48 bytes)', relationships: tdx }),
  'expect-mrconfigid': Flags.string({
    description: 'TDX: required MRCONFIGID, hex (48 bytes; Kata/CoCo: SHA-384 of the initdata)',
    relationships: tdx,
  }),
  'expect-rtmr': Flags.string({
    description: 'TDX: required RTMR, N=<hex> with N in 0–3; repeatable',
    multiple: true,
    relationships: tdx,
  }),
  'allow-trailing-bytes': Flags.boolean({
    description: 'TDX: accept (and ignore) bytes after the end of the quote, which no signature covers',
    default: false,
    relationships: tdx,
  }),
};
