// Serves web/ on http://127.0.0.1:5173 and tells the page where the enclave is (`npm run serve`).
// With the local simulator it also hands the page this machine's simulator root key.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../web/', import.meta.url));
const enclave = process.env.BLINDBOX_URL ?? 'http://127.0.0.1:8080';
const simulatorRoot = JSON.parse(
  execFileSync(
    fileURLToPath(new URL('../node_modules/.bin/blindbox', import.meta.url)),
    ['sim-root', 'show', '--json'],
    {
      encoding: 'utf8',
    },
  ),
).publicKey;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/config.json') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ enclave, simulatorRoot }));
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
}).listen(5173, '127.0.0.1', () => console.log('page: http://127.0.0.1:5173 (run `npm run serve` too)'));
