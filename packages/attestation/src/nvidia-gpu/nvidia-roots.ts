/**
 * NVIDIA's roots, pinned by the SHA-256 fingerprint of their DER certificate, as NVIDIA ships them
 * with its local GPU verifier (nvtrust `verifier/certs/`).
 */
export const NVIDIA_ROOTS = {
  /** NVIDIA Device Identity CA (P-384): the root of every GPU's attestation certificate chain. */
  deviceIdentity: '102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48',
  /** NVIDIA CoRIM signing Root CA (P-384): the root of the chains that sign driver and VBIOS RIMs. */
  rimSigning: '12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1',
} as const;
