import { createServer } from 'node:http';
import { it } from 'vitest';
import { connect } from '../src/connect.js';
import { base, startAdder } from './support/sim-enclave.js';

it('perf', async () => {
  const { server } = await startAdder();
  const plain = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"sum":3}'));
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const purl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
  const session = await connect(server.url, base);
  const one = await connect(server.url, { ...base, sessions: false });
  await session.call('add', { a: 1, b: 2 });
  const time = async (label: string, f: () => Promise<unknown>) => {
    for (let i = 0; i < 50; i++) await f();
    const xs: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      await f();
      xs.push(performance.now() - s);
    }
    xs.sort((a, b) => a - b);
    console.log('PERF', label, 'p50', xs[150]!.toFixed(3), 'p99', xs[297]!.toFixed(3));
  };
  for (let round = 0; round < 2; round++) {
    await time('plain', async () => (await fetch(purl, { method: 'POST', body: new Uint8Array(20) })).text());
    await time('session', () => session.call('add', { a: 1, b: 2 }));
    await time('one-shot', () => one.call('add', { a: 1, b: 2 }));
  }
  console.log('PERF inSession', session.inSession);
  plain.close();
  await server.close(10);
});
