import { startLogServer } from '@blindbox/log-server';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { portFlag } from '../../flags/server-flags.js';

export default class LogServe extends BaseCommand {
  static override description =
    'Run the embedded transparency log: an RFC 6962 Merkle log on local files with a Rekor v1 write API, C2SP tlog-tiles and a signed checkpoint. Listens on 127.0.0.1 only.';

  static override examples = [
    '<%= config.bin %> log serve --data .blindbox/log',
    '<%= config.bin %> log serve --data /var/lib/blindbox-log --port 3100 --json',
  ];

  static override flags = {
    data: Flags.directory({
      description: 'data directory (entries, hashes, checkpoint, keys); created if missing',
      required: true,
    }),
    port: portFlag({ default: 3100 }),
  };

  async run() {
    const { flags } = await this.parse(LogServe);
    const log = await startLogServer({ dataDir: flags.data, port: flags.port });
    const info = { ok: true, url: log.url, origin: log.origin, logId: log.logId, data: flags.data };
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      this.log(`transparency log ${log.origin} listening at ${log.url}`);
      this.log(`  log ID: ${log.logId}`);
      this.log(`  pin it: blindbox log trusted-root --log ${log.url} > trusted-root.json`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await log.close();
  }
}
