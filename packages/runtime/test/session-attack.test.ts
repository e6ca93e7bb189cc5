// Adversarial review of sessions, streamed chunks and replay across a restart (issue 8, security
// review): an attacker on the network who can open its own sessions (the key is public), capture,
// cut, splice and replay sealed bodies, and send from more than one address.
import { request as httpRequest } from 'node:http';
import {
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallRequest,
  generateServerKey,
  type ServerKey,
  type SessionKeys,
  sealRequest,
  sealSessionRequest,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import type { ServerLimits } from '../src/server-limits.js';
import { closedWithin, countingProvider, Echo, manifest, rawConnect, runs } from './echo-enclave.js';

const servers: EnclaveServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

async function start(key: ServerKey, limits: Partial<ServerLimits> = {}): Promise<EnclaveServer> {
  const server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
    limits,
  });
  servers.push(server);
  return server;
}

const call = (endpoint: string, input: unknown, extra: Partial<CallRequest> = {}): CallRequest => ({
  endpoint,
  input,
  requestId: 'r',
  sentAt: Date.now(),
  ...extra,
});

/** POSTs a whole body from `localAddress` (any 127.0.0.0/8 address on Linux): another "client". */
function post(
  server: EnclaveServer,
  body: Uint8Array,
  localAddress = '127.0.0.1',
): Promise<{ status: number; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: CALL_PATH,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': CALL_CONTENT_TYPE, 'content-length': String(body.length) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, bytes: new Uint8Array(Buffer.concat(parts)) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function collect(body: AsyncGenerator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of body) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

async function openSession(
  server: EnclaveServer,
  key: ServerKey,
  localAddress = '127.0.0.1',
): Promise<SessionKeys> {
  const sealed = await sealRequest(key, call('$session', undefined, { openSession: true }));
  const res = await post(server, sealed.body, localAddress);
  expect(res.status).toBe(200);
  expect(await sealed.openResponse(res.bytes)).toMatchObject({ ok: true, session: {} });
  return sealed.deriveSession();
}

/** The frames of a sealed session body: [offset, length] of each, after the 34-byte header. */
function frames(body: Uint8Array): Array<{ at: number; end: number; final: boolean }> {
  const out: Array<{ at: number; end: number; final: boolean }> = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 34; at < body.length; ) {
    const word = view.getUint32(at);
    const end = at + 4 + (word & 0x7fff_ffff);
    out.push({ at, end, final: word >= 0x8000_0000 });
    at = end;
  }
  return out;
}

describe('session table exhaustion', () => {
  it('one address opening sessions without end does not evict the sessions of other clients', async () => {
    const key = await generateServerKey();
    const server = await start(key, { maxSessions: 32 });
    const victim = await openSession(server, key, '127.0.0.1');
    // The attacker attests like anyone (the key is public) and opens twice the table's size.
    for (let i = 0; i < 64; i++) await openSession(server, key, '127.0.0.2');
    expect(server.stats().sessions).toBeLessThanOrEqual(32);
    const sealed = sealSessionRequest(victim, 0, call('echo', { text: 'still here' }));
    const res = await post(server, await collect(sealed.body), '127.0.0.1');
    expect(res.status).toBe(200);
    expect((await sealed.openResponse(res.bytes)).response).toMatchObject({
      ok: true,
      output: { text: 'still here' },
    });
  });
});

describe('chunk tampering', () => {
  it('a cut, a moved final marker, swapped or spliced chunks never run the handler; a forged first chunk burns no seq', async () => {
    const key = await generateServerKey();
    const server = await start(key);
    const keys = await openSession(server, key);
    const other = await openSession(server, key);
    const data = new Uint8Array(16000).fill(7);
    const seal = (k: SessionKeys, seq: number) =>
      collect(
        sealSessionRequest(k, seq, call('digest', { data: undefined }, { stream: '/data' }), {
          tail: data,
          chunkLength: 4096,
        }).body,
      );
    const piece = (body: Uint8Array, i: number) => {
      const f = frames(body)[i] as { at: number; end: number };
      return body.subarray(f.at, f.end);
    };
    const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    const header = (body: Uint8Array) => body.subarray(0, 34);
    const before = runs.digest;

    // Forged first chunks (docs/protocol.md §11.5 step 5): chunks 0 and 1 swapped; chunk 0 of the
    // same seq in another session; chunk 0 of another seq of this session. None opens, so seq 5
    // stays unused.
    const body5 = await seal(keys, 5);
    const body6 = await seal(keys, 6);
    expect(frames(body5).length).toBeGreaterThanOrEqual(4);
    const rest5 = body5.subarray(frames(body5)[2]?.at);
    expect((await post(server, join(header(body5), piece(body5, 1), piece(body5, 0), rest5))).status).toBe(
      400,
    );
    const foreign = await seal(other, 5);
    expect(
      (await post(server, join(header(body5), piece(foreign, 0), body5.subarray(frames(body5)[1]?.at))))
        .status,
    ).toBe(400);
    const later = await seal(keys, 9);
    expect(
      (await post(server, join(header(body5), piece(later, 0), body5.subarray(frames(body5)[1]?.at)))).status,
    ).toBe(400);
    expect(runs.digest).toBe(before);
    const genuine = await post(server, body5);
    expect(genuine.status).toBe(200);
    expect(runs.digest).toBe(before + 1);
    expect((await post(server, body5)).status).toBe(409);

    // A genuine first chunk with the rest tampered with: the handler (a Uint8Array field, collected
    // before it runs) never runs. The seq is consumed by the first, authenticated, chunk (step 6):
    // the attacker achieves a lost call, as by dropping it, never a run on a shortened body.
    const f6 = frames(body6);
    expect((await post(server, body6.subarray(0, (f6.at(-2) as { end: number }).end))).status).toBe(400);
    const moved = new Uint8Array(body6.subarray(0, (f6[0] as { end: number }).end));
    const view = new DataView(moved.buffer);
    view.setUint32(34, view.getUint32(34) | 0x8000_0000);
    expect([400, 409]).toContain((await post(server, moved)).status);
    const mixed = join(header(body6), piece(body6, 0), piece(later, 1), body6.subarray(f6[2]?.at));
    expect([400, 409]).toContain((await post(server, mixed)).status);
    expect((await post(server, body6)).status).toBe(409);
    expect(runs.digest).toBe(before + 1);
  });

  it('a moved final marker on a fresh seq is refused (400) and runs nothing', async () => {
    const key = await generateServerKey();
    const server = await start(key);
    const keys = await openSession(server, key);
    const before = runs.digest;
    const body = await collect(
      sealSessionRequest(keys, 0, call('digest', { data: undefined }, { stream: '/data' }), {
        tail: new Uint8Array(12000),
        chunkLength: 4096,
      }).body,
    );
    const f = frames(body);
    const moved = new Uint8Array(body.subarray(0, (f[0] as { end: number }).end));
    const view = new DataView(moved.buffer);
    view.setUint32(34, view.getUint32(34) | 0x8000_0000);
    expect((await post(server, moved)).status).toBe(400);
    expect(runs.digest).toBe(before);
    // The final bit is in chunk 0's AAD: it did not open, so seq 0 is still free.
    expect((await post(server, body)).status).toBe(200);
    expect(runs.digest).toBe(before + 1);
  });
});

describe('replay after a restart', () => {
  it('a one-shot body captured before a restart cannot run after it (a fresh key per boot)', async () => {
    const bootKey = await generateServerKey();
    const before = await start(bootKey);
    // The captured call, well inside the sentAt window.
    const sealed = await sealRequest(bootKey, call('digest', { data: new Uint8Array(4) }));
    expect((await post(before, sealed.body)).status).toBe(200);
    const ran = runs.digest;
    await before.close(0);
    // The restart: runEnclave never passes a key, so the new process generates its own and the
    // replay cache, empty after the restart, is not needed: the old enc opens under no key held.
    const after = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: countingProvider(),
      port: 0,
    });
    servers.push(after);
    const replay = await post(after, sealed.body);
    expect(replay.status).toBe(400);
    expect(JSON.parse(Buffer.from(replay.bytes).toString('utf8')).type).toBe(UNKNOWN_KEY_PROBLEM_TYPE);
    expect(runs.digest).toBe(ran);
  });
});

describe('tiny chunks', () => {
  it('a message cut into 1-byte chunks is refused at its first frame, before any AEAD work; 4 KiB chunks pass', async () => {
    const key = await generateServerKey();
    const server = await start(key);
    const keys = await openSession(server, key);
    const seal = (seq: number, chunkLength: number) =>
      collect(
        sealSessionRequest(keys, seq, call('digest', { data: undefined }, { stream: '/data' }), {
          tail: new Uint8Array(64 * 1024),
          chunkLength,
        }).body,
      );
    const before = runs.digest;
    // 21 bytes on the wire per frame, ~14 µs each to open: 5.5 MB of 1-byte chunks cost the server
    // 3.7 s of CPU (a 256 KiB chunk: 6 ms) and stalled its event loop for up to 570 ms.
    const tiny = await seal(0, 1);
    expect((await post(server, tiny)).status).toBe(400);
    expect(runs.digest).toBe(before);
    // Refused before the first chunk was opened: seq 0 is not burnt (a sealer-side regression of
    // chunk sizes cannot cost a sequence number either).
    const ok = await post(server, await seal(1, 4096));
    expect(ok.status).toBe(200);
    expect(runs.digest).toBe(before + 1);
  });
});

describe('a never-ending stream', () => {
  it('is cut by the request timeout even when it keeps a decent rate', async () => {
    const key = await generateServerKey();
    const server = await start(key, {
      requestTimeoutMs: 1_500,
      headersTimeoutMs: 1_000,
      timeoutCheckIntervalMs: 200,
    });
    const keys = await openSession(server, key);
    let sent = 0;
    async function* forever() {
      for (;;) {
        await new Promise((r) => setTimeout(r, 20));
        sent += 8192;
        yield new Uint8Array(8192);
      }
    }
    const sealed = sealSessionRequest(keys, 0, call('count', { audio: undefined }, { stream: '/audio' }), {
      tail: forever(),
      chunkLength: 8192,
    });
    const socket = await rawConnect(server);
    socket.on('error', () => {});
    socket.write(
      `POST ${CALL_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: ${CALL_CONTENT_TYPE}\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    const started = performance.now();
    const closed = closedWithin(socket, 6_000);
    let state: 'closed' | 'open' | undefined;
    void closed.then((s) => {
      state = s;
    });
    for await (const frame of sealed.body) {
      if (state !== undefined || socket.destroyed) break;
      socket.write(`${frame.length.toString(16)}\r\n`);
      socket.write(frame);
      socket.write('\r\n');
    }
    expect(await closed).toBe('closed');
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(sent).toBeGreaterThan(100 * 1024);
    socket.destroy();
  });

  it('refuses a request timeout shorter than the headers timeout (Node then never applied it)', async () => {
    const key = await generateServerKey();
    await expect(start(key, { requestTimeoutMs: 1_500 })).rejects.toThrow(/requestTimeoutMs/);
  });
});
