// Serves web/ (the page that verifies the enclave before it uploads) and tells the page where the
// enclave is (`npm run serve`). With the local simulator it also hands the page this machine's
// simulator root key. Environment: BLINDBOX_URL (default http://127.0.0.1:8080), WEB_PORT (default
// 5173; 0 picks a free port), BLINDBOX_SIM_ROOT (the simulator's public key; default: asked from
// `blindbox sim-root show`), BLINDBOX_SIM_ROOT=none in front of real hardware.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../web/', import.meta.url));
const enclave = process.env.BLINDBOX_URL ?? 'http://127.0.0.1:8080';
const givenRoot = process.env.BLINDBOX_SIM_ROOT;
const simulatorRoot =
  givenRoot === 'none'
    ? undefined
    : (givenRoot ??
      JSON.parse(
        execFileSync(
          fileURLToPath(new URL('../node_modules/.bin/blindbox', import.meta.url)),
          ['sim-root', 'show', '--json'],
          { encoding: 'utf8' },
        ),
      ).publicKey);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/config.json') {
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ enclave, ...(simulatorRoot ? { simulatorRoot } : {}) }));
    return;
  }
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  if (!file.startsWith(root)) return void res.writeHead(404).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.WEB_PORT ?? 5173), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`page: http://127.0.0.1:${port} (enclave ${enclave}; run \`npm run serve\` too)`);
});
