import { loadSimRoot } from '@blindbox/runtime/simulator';
import { BaseCommand } from '../../base-command.js';
import { simRootDir, simRootFlag } from '../../flags/simulator-flags.js';

export default class SimRootShow extends BaseCommand {
  static override description =
    "Print the local simulator's root public key (created on first use). Clients trust it only with allowSimulated.";

  static override examples = ['<%= config.bin %> sim-root show', '<%= config.bin %> sim-root show --json'];

  static override flags = {
    'sim-root': simRootFlag(),
  };

  async run() {
    const { flags } = await this.parse(SimRootShow);
    const root = loadSimRoot(simRootDir(flags['sim-root']));
    const keyId = Buffer.from(root.keyId).toString('hex');
    this.log(root.publicKey);
    return { dir: root.dir, publicKey: root.publicKey, keyId };
  }
}
