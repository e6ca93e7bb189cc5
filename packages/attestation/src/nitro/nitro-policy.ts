/** PCR indexes a policy may pin: 0 (enclave image), 1 (kernel and bootstrap), 2 (application), 3 (parent IAM role), 4 (parent instance id), 8 (signing certificate). */
export type NitroPcrIndex = 0 | 1 | 2 | 3 | 4 | 8;

/**
 * One accepted combination of PCR values (hex): any of PCR0–4 and 8, as long as it names PCR0 (a
 * hash of the whole enclave image file, kernel, ramdisk and command line included: alone it pins
 * the image) or PCR8 (the hash of the certificate that signed the image file: alone it accepts
 * every image that key signed). A set of PCR1–4 alone pins no application and is refused.
 */
export type NitroPcrSet = Partial<Record<NitroPcrIndex, string>> & ({ 0: string } | { 8: string });

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
   * every set must name PCR0 or PCR8 (a set that pins neither is refused, not weakened).
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
