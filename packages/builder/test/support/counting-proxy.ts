import { once } from 'node:events';
import { createServer, request } from 'node:http';

/**
 * A loopback HTTP proxy in front of a registry that records each request (`METHOD /path`), so a
 * test can count HEADs and upload POSTs. The Host header passes through, so the registry's absolute
 * Locations point back at the proxy.
 */
export async function startCountingProxy(
  target: string,
): Promise<{ host: string; requests: string[]; close(): Promise<void> }> {
  const [hostname, port] = target.split(':');
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
    const upstream = request(
      { hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    host: `127.0.0.1:${address.port}`,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
