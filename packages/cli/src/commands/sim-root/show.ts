import { defaultSimRootDir, loadSimRoot } from '@blindbox/runtime/simulator';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';

export default class SimRootShow extends BaseCommand {
  static override description =
    "Print the local simulator's root public key (created on first use). Clients trust it only with allowSimulated.";

  static override examples = ['<%= config.bin %> sim-root show', '<%= config.bin %> sim-root show --json'];

  static override flags = {
    'sim-root': Flags.directory({
      description: 'simulator root key folder [default: ~/.config/blindbox/simulator]',
    }),
  };

  async run() {
    const { flags } = await this.parse(SimRootShow);
    const root = loadSimRoot(flags['sim-root'] ?? defaultSimRootDir());
    const keyId = Buffer.from(root.keyId).toString('hex');
    this.log(root.publicKey);
    return { dir: root.dir, publicKey: root.publicKey, keyId };
  }
}
