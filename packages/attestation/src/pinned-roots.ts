/**
 * The hardware vendors' roots of trust, pinned by the SHA-256 fingerprint of their DER certificate
 * (docs/design.md §2). Evidence is trusted only if its certificate chain ends at one of these; a supplied
 * root that differs by a single byte is rejected with `ATTESTATION_UNTRUSTED_ROOT`.
 *
 * Each fingerprint was checked against the certificate AMD's Key Distribution Service
 * (https://kdsintf.amd.com/vcek/v1/<product>/cert_chain) and AWS
 * (https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip) publish.
 */
export const PINNED_ROOTS = {
  /** AMD Root Keys (ARK), self-signed RSA-4096, one per EPYC generation. */
  amdArk: {
    Milan: '69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd',
    Genoa: '4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1',
    Turin: '1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a',
  },
  /** AWS Nitro Enclaves Root-G1 (CN=aws.nitro-enclaves, P-384, valid 2019-10-28 → 2049-10-28). */
  awsNitro: '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b',
  /**
   * Intel SGX Root CA (P-256, valid 2018-05-21 → 2049-12-31), the root of TDX and SGX PCK chains and
   * of Intel's TCB signing chain: the SHA-256 of Intel_SGX_Provisioning_Certification_RootCA.cer
   * (https://certificates.trustedservices.intel.com/), equal to the root in real TDX quotes.
   */
  intelSgxRoot: '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3',
} as const;
