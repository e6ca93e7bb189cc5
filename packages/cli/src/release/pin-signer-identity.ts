import { readFile } from 'node:fs/promises';
import type { MonitorOptions, ReleaseIdentity } from '@blindbox/transparency';
import { UsageError } from '../base-command.js';

/** The signer flags of `signerPinFlags` (src/flags/signer-pin-flags.ts), as parsed. */
export interface SignerPinFlags {
  key?: string;
  identity?: string;
  issuer?: string;
}

/**
 * Builds the pinned identity from `--key`, or `--identity` with `--issuer`. The commands' flag
 * relationships refuse other combinations before this runs; this still refuses them, so that a
 * caller in code cannot end up with a half-pinned signer either.
 */
export async function identityFromFlags(flags: SignerPinFlags): Promise<ReleaseIdentity> {
  if (flags.key && (flags.identity || flags.issuer))
    throw new UsageError('pass either --key or --identity/--issuer, not both');
  if (flags.key) {
    try {
      return { kind: 'key', publicKey: await readFile(flags.key, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read the public key ${flags.key}: ${(err as Error).message}`);
    }
  }
  if (flags.identity && flags.issuer) return { kind: 'keyless', san: flags.identity, issuer: flags.issuer };
  throw new UsageError(
    'pin a signer: --key <public key PEM>, or --identity <SAN pattern> with --issuer <OIDC issuer>',
  );
}

/**
 * The identity `log monitor` lists releases of: as {@link identityFromFlags}, and also
 * `--identity` alone, which matches that SAN at any issuer (an identity hijacked at another OIDC
 * issuer should show up in monitoring; a verifier must pin the issuer instead).
 */
export async function monitoredIdentityFromFlags(flags: SignerPinFlags): Promise<MonitorOptions['identity']> {
  if (flags.identity && !flags.key && !flags.issuer) return { kind: 'keyless', san: flags.identity };
  return identityFromFlags(flags);
}
