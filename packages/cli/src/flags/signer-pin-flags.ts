import { Flags } from '@oclif/core';

/**
 * The pinned release signer, for the commands that check who signed a release: a public key
 * (`--key`) or a Fulcio certificate identity (`--identity` SAN pattern, `--issuer`). Exactly one
 * of `--key` and `--identity`; oclif enforces it before the command runs.
 *
 * @param options.issuerOptional - Let `--identity` stand without `--issuer` (any issuer). Default:
 *   false. Only `log monitor` sets it: an identity hijacked at another OIDC issuer should show up in
 *   monitoring, while a verifier must pin the issuer or accept a certificate any issuer minted.
 */
export function signerPinFlags(options: { issuerOptional?: boolean } = {}) {
  const issuerOptional = options.issuerOptional === true;
  return {
    key: Flags.file({
      description: 'pinned signer public key (PEM, e.g. release.key.pub)',
      exists: true,
      exactlyOne: ['key', 'identity'],
      exclusive: ['issuer'],
    }),
    identity: Flags.string({
      description: 'pinned certificate SAN: a regular expression matched against the whole SAN',
      exactlyOne: ['key', 'identity'],
      ...(issuerOptional ? {} : { dependsOn: ['issuer'] }),
    }),
    issuer: Flags.string({
      description: issuerOptional
        ? 'pinned OIDC issuer (exact) [default: any issuer]'
        : 'pinned OIDC issuer (exact)',
      dependsOn: ['identity'],
    }),
  };
}
