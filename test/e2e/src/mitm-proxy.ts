import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy saw of one exchange, and may rewrite. */
export interface Exchange {
  path: string;
  requestBody: Buffer;
  status: number;
  headers: Record<string, string>;
  responseBody: Buffer;
}

/**
 * A real man-in-the-middle on loopback: forwards every request to `target`, records request bodies,
 * and lets a test rewrite responses. It plays the untrusted network, load balancer or host.
 */
export async function startMitmProxy(target: string) {
  const seen: Exchange[] = [];
  let rewrite: ((x: Exchange) => Exchange | undefined) | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const requestBody = Buffer.concat(chunks);
    const upstream = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
      body: req.method === 'GET' ? undefined : requestBody,
    });
    let exchange: Exchange = {
      path: req.url ?? '/',
      requestBody,
      status: upstream.status,
      headers: Object.fromEntries([...upstream.headers].filter(([k]) => k === 'content-type')),
      responseBody: Buffer.from(await upstream.arrayBuffer()),
    };
    seen.push(exchange);
    exchange = rewrite?.(exchange) ?? exchange;
    res.writeHead(exchange.status, exchange.headers);
    res.end(exchange.responseBody);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    setRewrite(fn: ((x: Exchange) => Exchange | undefined) | undefined) {
      rewrite = fn;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
