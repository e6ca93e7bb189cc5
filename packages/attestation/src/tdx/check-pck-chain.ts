import { PINNED_ROOTS } from '../pinned-roots.js';
import type { CheckList } from '../verifier/check-list.js';
import { type Certificate, parseCertificate } from '../x509/parse-certificate.js';
import { verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import { decodePckChain } from './decode-pck-chain.js';
import { type PckExtensions, parsePckExtensions } from './parse-pck-extensions.js';
import type { TdxQuote } from './parse-tdx-quote.js';

/** The quote's PCK chain, verified. */
export interface PckChain {
  pck: Certificate;
  /** Intel SGX PCK Platform CA or Processor CA. */
  ca: Certificate;
  root: Certificate;
  extensions: PckExtensions;
}

const PCK_CAS = ['Intel SGX PCK Platform CA', 'Intel SGX PCK Processor CA'];

/**
 * Step 3, PCK chain: PCK → PCK Platform/Processor CA → Intel SGX Root CA (pinned by SHA-256), every
 * certificate valid at `at`, names and signatures chained, issuers CAs; the PCK is a P-256 key
 * issued by one of Intel's two PCK CAs, and its SGX Extensions parse.
 */
export async function checkPckChain(quote: TdxQuote, at: Date, checks: CheckList): Promise<PckChain> {
  const [pck, ca, root] = decodePckChain(quote.pckChainPem).map(parseCertificate) as [
    Certificate,
    Certificate,
    Certificate,
  ];
  checks.require(
    PCK_CAS.includes(ca.subjectCommonName) && pck.subjectCommonName === 'Intel SGX PCK Certificate',
    'tdx.pck.kind',
    'ATTESTATION_CERT_CHAIN',
    `the quote's leaf is "${pck.subjectCommonName}" issued by "${ca.subjectCommonName}", not an Intel SGX PCK certificate from a PCK CA`,
    {
      expected: `Intel SGX PCK Certificate < ${PCK_CAS.join(' | ')}`,
      found: `${pck.subjectCommonName} < ${ca.subjectCommonName}`,
    },
  );
  await verifyCertificateChain(
    [
      { label: 'pck', cert: pck },
      { label: 'ca', cert: ca },
      { label: 'root', cert: root },
    ],
    { at, pinnedRootSha256: [PINNED_ROOTS.intelSgxRoot], checks, prefix: 'tdx.chain' },
  );
  checks.require(
    pck.publicKey.kind === 'ec' && pck.publicKey.curve === 'P-256',
    'tdx.pck.key',
    'ATTESTATION_CERT_CHAIN',
    'the PCK certificate does not hold a P-256 key',
  );
  const extensions = parsePckExtensions(pck);
  checks.pass('tdx.pck.extensions', { found: `sgxType ${extensions.sgxType}, pcesvn ${extensions.pceSvn}` });
  return { pck, ca, root, extensions };
}
