// A small enclave, its manifest and helpers for the runtime's attack and limit tests: real servers
// on loopback, real HPKE, raw sockets where an attacker would use them.
import { connect, type Socket } from 'node:net';
import {
  type AppManifest,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallResponse,
  type ServerKey,
  sealRequest,
} from '@blindbox/protocol';
import { EndpointError, enclave, endpoint } from '@blindbox/sdk';
import type { EnclaveServer } from '../src/enclave-server.js';
import type { AttestationProvider } from '../src/providers/attestation-provider.js';

/** How many times each handler ran: a replayed call must not move these. */
export const runs = { digest: 0 };

@enclave({ name: 'echo' })
export class Echo {
  @endpoint()
  async echo(req: { text: string }): Promise<{ text: string }> {
    return { text: req.text };
  }
  /** Throws whatever code it is given: a handler must not be able to claim it did not run. */
  @endpoint()
  async claim(req: { code: string }): Promise<{ never: string }> {
    throw new EndpointError(req.code, 'claimed');
  }
  @endpoint()
  async digest(req: { data: Uint8Array }): Promise<{ length: number }> {
    runs.digest++;
    return { length: req.data.length };
  }
  /** Reads a streamed upload as it arrives: its length and a sum of every 64th byte (mod 1 000 003). */
  @endpoint()
  async count(req: { audio: ReadableStream<Uint8Array> }): Promise<{ length: number; sum: number }> {
    let length = 0;
    let sum = 0;
    for await (const piece of req.audio as unknown as AsyncIterable<Uint8Array>) {
      // Every 64th byte of the whole stream: enough to see a lost or altered chunk, cheap for 256 MiB.
      for (let i = (64 - (length % 64)) % 64; i < piece.length; i += 64) sum += piece[i] as number;
      sum %= 1_000_003;
      length += piece.length;
    }
    return { length, sum };
  }
  /** Streams `length` bytes back (byte i = i mod 251), produced as they are read. */
  @endpoint()
  async produce(req: { length: number }): Promise<{ data: AsyncIterable<Uint8Array> }> {
    async function* bytes() {
      const piece = 256 * 1024;
      for (let offset = 0; offset < req.length; offset += piece) {
        const chunk = new Uint8Array(Math.min(piece, req.length - offset));
        for (let i = 0; i < chunk.length; i++) chunk[i] = (offset + i) % 251;
        yield chunk;
      }
    }
    return { data: bytes() };
  }
}

const closed = (properties: Record<string, AppManifest['endpoints'][number]['input']>) =>
  ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false }) as const;

export const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'echo', version: '1.0.0' },
  enclave: { className: 'Echo', module: 'src/echo.ts' },
  endpoints: [
    {
      name: 'echo',
      input: closed({ text: { type: 'string' } }),
      output: closed({ text: { type: 'string' } }),
      source: 'src/echo.ts:1:1',
    },
    {
      name: 'claim',
      input: closed({ code: { type: 'string' } }),
      output: closed({ never: { type: 'string' } }),
      source: 'src/echo.ts:3:1',
    },
    {
      name: 'count',
      input: closed({ audio: { 'x-blindbox-type': 'stream' } }),
      output: closed({ length: { type: 'number' }, sum: { type: 'number' } }),
      source: 'src/echo.ts:4:1',
    },
    {
      name: 'digest',
      input: closed({ data: { 'x-blindbox-type': 'bytes' } }),
      output: closed({ length: { type: 'number' } }),
      source: 'src/echo.ts:2:1',
      limits: { maxInputBytes: 8 * 1024 * 1024 },
    },
    {
      name: 'produce',
      input: closed({ length: { type: 'number' } }),
      output: closed({ data: { 'x-blindbox-type': 'stream' } }),
      source: 'src/echo.ts:5:1',
    },
  ],
};

/** A provider that returns the report data after `delayMs` and records its peak concurrency. */
export function countingProvider(delayMs = 2): AttestationProvider & { calls: number; peak: number } {
  let running = 0;
  const provider = {
    platform: 'simulated' as const,
    calls: 0,
    peak: 0,
    async getEvidence(reportData: Uint8Array) {
      provider.calls++;
      running++;
      provider.peak = Math.max(provider.peak, running);
      await new Promise((r) => setTimeout(r, delayMs));
      running--;
      return { evidence: reportData };
    },
  };
  return provider;
}

/** Seals one call; returns the body and the means to open its answer. */
export async function sealCall(key: ServerKey, endpointName: string, input: unknown, sentAt = Date.now()) {
  return sealRequest(key, { endpoint: endpointName, input, requestId: 't', sentAt });
}

/** POSTs a sealed body; returns the status and, for 200, the opened response. */
export async function postSealed(
  server: EnclaveServer,
  sealed: Awaited<ReturnType<typeof sealCall>>,
): Promise<{ status: number; response?: CallResponse }> {
  const res = await fetch(new URL(CALL_PATH, server.url), {
    method: 'POST',
    headers: { 'content-type': CALL_CONTENT_TYPE },
    body: sealed.body as Uint8Array<ArrayBuffer>,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) return { status: res.status };
  return { status: 200, response: await sealed.openResponse(bytes) };
}

/** One sealed echo round trip. */
export async function echoCall(server: EnclaveServer, key: ServerKey, text: string) {
  return postSealed(server, await sealCall(key, 'echo', { text }));
}

/** A raw TCP connection to the server, from `localAddress` (any 127.0.0.0/8 address on Linux). */
export function rawConnect(server: EnclaveServer, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the socket closes, or with 'open' after `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<'closed' | 'open'> {
  if (socket.destroyed) return Promise.resolve('closed');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}
