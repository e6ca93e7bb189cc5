// Entry point of the log server as a child process (crash test, benchmark): prints {url} and runs.
import { startLogServer } from '../src/start-log-server.js';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: log-child <data-dir>');
  const log = await startLogServer({ dataDir, port: 0 });
  process.stdout.write(`${JSON.stringify({ url: log.url, origin: log.origin, logId: log.logId })}\n`);
  process.on('SIGTERM', () => {
    log.close().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(2);
});
