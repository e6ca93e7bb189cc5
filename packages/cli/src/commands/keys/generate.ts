import { readFileSync } from 'node:fs';
import { generateKeyFile, keyIdOf, TransparencyError } from '@blindbox/transparency';
import { Flags } from '@oclif/core';
import { BaseCommand, UsageError } from '../../base-command.js';

export default class KeysGenerate extends BaseCommand {
  static override description =
    'Generate an ECDSA P-256 release-signing key: the private key at --out (mode 0600, never overwritten) and its public key at <out>.pub.';

  static override examples = [
    '<%= config.bin %> keys generate --out release.key',
    '<%= config.bin %> keys generate --out ~/.config/blindbox/release.key --json',
  ];

  static override flags = {
    out: Flags.string({
      description: 'where to write the private key (the public key goes to <out>.pub)',
      required: true,
    }),
  };

  async run() {
    const { flags } = await this.parse(KeysGenerate);
    let written: { privateKeyPath: string; publicKeyPath: string };
    try {
      written = await generateKeyFile(flags.out);
    } catch (err) {
      if (err instanceof TransparencyError) throw new UsageError(err.message, err.code);
      throw err;
    }
    const publicKey = readFileSync(written.publicKeyPath, 'utf8');
    const out = { ok: true, ...written, keyId: keyIdOf(publicKey), publicKey };
    this.log(`✔ private key: ${written.privateKeyPath} (keep it secret; mode 0600)`);
    this.log(`  public key:  ${written.publicKeyPath}`);
    this.log(`  key ID:      ${out.keyId}`);
    return out;
  }
}
