import type { IncomingMessage, ServerResponse } from 'node:http';
import { hexEncode } from '@blindbox/bytes';
import {
  ATTEST_PATH,
  CALL_PATH,
  generateServerKey,
  PROBLEM_CONTENT_TYPE,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { type EnclaveServer, startEnclaveServer } from '@blindbox/runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connect.js';
import { forward, loopback, readAll } from './support/loopback.js';
import { Adder, base, manifest, simulatedProvider } from './support/sim-enclave.js';

/*
 * Several replicas, each with its own HPKE key, behind a load balancer on loopback. A call that
 * reaches a replica without its key is answered unknown-key with that replica's key id; the client
 * verifies that key by full attestation and resends the identical sealed bytes until they reach the
 * key's holder, which opens (and runs) them once. Real runtimes, real crypto, real HTTP.
 */

interface Replica {
  server: EnclaveServer;
  adder: Adder;
  keyId: string;
}

async function startReplica(): Promise<Replica> {
  const key = await generateServerKey();
  const adder = new Adder();
  const server = await startEnclaveServer({
    manifest,
    instance: adder,
    provider: simulatedProvider(),
    port: 0,
    key,
  });
  return { server, adder, keyId: hexEncode(key.keyId) };
}

/** What the load balancer saw. */
interface Traffic {
  /** Key ids in attest answers, in order. */
  attested: string[];
  /** Every /call: the key id of its clear header, whether it was attested before, who got it. */
  calls: { keyId: string; attestedBefore: boolean; replica: string; status: number }[];
  /** Every unknown-key answer: which replica gave it and the key id it named. */
  hints: { replica: string; keyId: unknown }[];
}

function emptyTraffic(): Traffic {
  return { attested: [], calls: [], hints: [] };
}

function keyIdOfCall(body: Buffer): string {
  return hexEncode(body.subarray(1, 9)); // version byte, then the key id, in both message kinds
}

function send(res: ServerResponse, answer: { status: number; headers: Headers; body: Buffer }): void {
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
  res.end(answer.body);
}

function forgeUnknownKey(res: ServerResponse, keyId: string): void {
  res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE });
  res.end(JSON.stringify({ type: UNKNOWN_KEY_PROBLEM_TYPE, title: 'unknown-key', keyId }));
}

/**
 * A load balancer that records what passes. `pick` chooses the replica of each request (attest
 * and call alike); `onCall`, when given, forwards and answers calls instead.
 */
async function balancer(
  pick: (req: IncomingMessage) => Replica,
  traffic: Traffic,
  onCall?: (req: IncomingMessage, res: ServerResponse, body: Buffer, to: Replica) => Promise<void>,
) {
  return loopback(async (req, res) => {
    const body = await readAll(req);
    const to = pick(req);
    if (req.url === CALL_PATH) {
      const keyId = keyIdOfCall(body);
      if (onCall) return onCall(req, res, body, to);
      const answer = await forward(to.server.url, req, body);
      traffic.calls.push({
        keyId,
        attestedBefore: traffic.attested.includes(keyId),
        replica: to.keyId,
        status: answer.status,
      });
      if (answer.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) {
        const problem = JSON.parse(answer.body.toString('utf8')) as { type: string; keyId?: unknown };
        if (problem.type === UNKNOWN_KEY_PROBLEM_TYPE)
          traffic.hints.push({ replica: to.keyId, keyId: problem.keyId });
      }
      return send(res, answer);
    }
    const answer = await forward(to.server.url, req, body);
    if (req.url === ATTEST_PATH && answer.status === 200) {
      traffic.attested.push((JSON.parse(answer.body.toString('utf8')) as { keyId: string }).keyId);
    }
    send(res, answer);
  });
}

function roundRobin(replicas: Replica[]): () => Replica {
  let next = 0;
  return () => replicas[next++ % replicas.length] as Replica;
}

function runs(replicas: Replica[]): number {
  return replicas.reduce((sum, r) => sum + r.adder.runs, 0);
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('three replicas behind a round-robin load balancer', () => {
  let replicas: Replica[];
  beforeAll(async () => {
    replicas = [await startReplica(), await startReplica(), await startReplica()];
  });
  afterAll(async () => {
    for (const r of replicas) await r.server.close(100);
  });

  for (const sessions of [true, false]) {
    it(`runs every non-idempotent call exactly once, attests every replica, seals only to attested keys (sessions: ${sessions})`, async () => {
      const traffic = emptyTraffic();
      const lb = await balancer(roundRobin(replicas), traffic);
      closers.push(lb.close);
      const session = await connect(lb.url, { ...base, sessions });
      const count = sessions ? 30 : 9;
      const before = runs(replicas);
      for (let i = 0; i < count; i++) {
        expect(await session.call('add', { a: i, b: 1000 })).toEqual({ sum: i + 1000 });
      }
      // Each call ran once in total across the replicas, whoever answered unknown-key on the way.
      expect(runs(replicas) - before).toBe(count);
      expect(new Set(traffic.attested)).toEqual(new Set(replicas.map((r) => r.keyId)));
      expect(traffic.calls.every((c) => c.attestedBefore)).toBe(true);
      // Every unknown-key answer named the key of the replica that gave it.
      expect(traffic.hints.length).toBeGreaterThan(0);
      expect(traffic.hints.every((h) => h.keyId === h.replica)).toBe(true);
      // Bounded: under round-robin the key's holder is reached within N − 1 resends.
      expect(traffic.calls.length).toBeLessThanOrEqual(count * replicas.length);
      // Attestations only while keys were unknown, a bounded number per call.
      expect(traffic.attested.length).toBeLessThanOrEqual(1 + 4 * replicas.length);
      expect(session.inSession).toBe(sessions);
    });
  }
});

describe('concurrent calls through round-robin', () => {
  it('run at most once each; most succeed while the holder keeps answering (affinity recommended)', async () => {
    const replicas = [await startReplica(), await startReplica(), await startReplica()];
    closers.push(async () => {
      for (const r of replicas) await r.server.close(100);
    });
    const lb = await balancer(roundRobin(replicas), emptyTraffic());
    closers.push(lb.close);
    const session = await connect(lb.url, base);
    const count = 30;
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => session.call('add', { a: i, b: 1 })),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'fulfilled') expect(o.value).toEqual({ sum: i + 1 });
      else expect(o.reason).toMatchObject({ code: 'CLIENT_OUTCOME_UNKNOWN', mayHaveRun: true });
    }
    // Never twice: the handler ran for every success and at most once for each unknown outcome.
    expect(runs(replicas)).toBeGreaterThanOrEqual(ok.length);
    expect(runs(replicas)).toBeLessThanOrEqual(count);
    console.log(`${count} concurrent calls over 3 round-robin replicas: ${ok.length} succeeded`);
  });
});

describe('a forged hint', () => {
  for (const sessions of [true, false]) {
    it(`cannot make a call run twice: the resend is answered replayed (sessions: ${sessions})`, async () => {
      const [a, b] = [await startReplica(), await startReplica()];
      closers.push(
        () => a.server.close(100),
        () => b.server.close(100),
      );
      const traffic = emptyTraffic();
      const rotate = roundRobin([a, b]);
      let forge = false;
      const statuses: number[] = [];
      // Attests rotate over both replicas; every call goes to A, the key's holder.
      const lb = await balancer(
        (req) => (req.url === CALL_PATH ? a : rotate()),
        traffic,
        async (req, res, body) => {
          const answer = await forward(a.server.url, req, body);
          statuses.push(answer.status);
          if (!forge) return send(res, answer);
          forge = false;
          // A ran it; the man in the middle claims B answered and names B's key.
          forgeUnknownKey(res, b.keyId);
        },
      );
      closers.push(lb.close);
      const session = await connect(lb.url, { ...base, sessions });
      expect(traffic.attested).toEqual([a.keyId]);
      expect(await session.call('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
      const before = runs([a, b]);
      statuses.length = 0;
      forge = true;
      await expect(session.call('add', { a: 2, b: 3 })).rejects.toMatchObject({
        code: 'CLIENT_OUTCOME_UNKNOWN',
        mayHaveRun: true,
      });
      expect(runs([a, b]) - before).toBe(1);
      expect(b.adder.runs).toBe(0);
      // The call ran (200, answer replaced), then the identical bytes came back: 409 replayed.
      expect(statuses).toEqual([200, 409]);
      expect(traffic.attested).toContain(b.keyId);
    });
  }
});

describe('a streamed upload', () => {
  it('is never resent nor resealed after unknown-key: it may be gone, so the outcome is unknown', async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    closers.push(
      () => a.server.close(100),
      () => b.server.close(100),
    );
    const traffic = emptyTraffic();
    let calls = 0;
    // Attests and the session opening ($session) reach A; the streamed message reaches B.
    const lb = await balancer((req) => (req.url === CALL_PATH && calls++ >= 1 ? b : a), traffic);
    closers.push(lb.close);
    const session = await connect(lb.url, base);
    async function* pieces() {
      for (let i = 0; i < 4; i++) yield new Uint8Array(64 * 1024).fill(i);
    }
    await expect(session.call('size', { data: pieces() })).rejects.toMatchObject({
      code: 'CLIENT_OUTCOME_UNKNOWN',
    });
    // The opening, then the one streamed message (answered with B's hint), and nothing more.
    expect(traffic.calls.map((c) => c.replica)).toEqual([a.keyId, b.keyId]);
    expect(traffic.hints).toEqual([{ replica: b.keyId, keyId: b.keyId }]);
    expect(runs([a, b])).toBe(0);
  });
});

describe('a single server that restarted (new key)', () => {
  it("gives today's behaviour after a bounded number of extra round trips", async () => {
    const first = await startReplica();
    let target = first;
    const traffic = emptyTraffic();
    const lb = await balancer(() => target, traffic);
    closers.push(lb.close);
    const session = await connect(lb.url, base);
    expect(await session.call('add', { a: 1, b: 1 })).toEqual({ sum: 2 });
    await first.server.close(100);

    // The restart: the same origin, a new process with a new key.
    const second = await startReplica();
    closers.push(() => second.server.close(100));
    target = second;
    const calls = traffic.calls.length;
    const attests = traffic.attested.length;
    await expect(session.call('add', { a: 2, b: 2 })).rejects.toMatchObject({
      code: 'CLIENT_OUTCOME_UNKNOWN',
      mayHaveRun: true,
    });
    expect(second.adder.runs).toBe(0);
    // One resend (its hint repeated), one attestation to verify the hinted key, one re-attestation.
    expect(traffic.calls.length - calls).toBe(2);
    expect(traffic.attested.length - attests).toBe(2);
    expect(await session.call('add', { a: 3, b: 3 })).toEqual({ sum: 6 });
    expect(second.adder.runs).toBe(1);

    // Restarted again: an idempotent call is sealed anew to the new key and runs once.
    await second.server.close(100);
    const third = await startReplica();
    closers.push(() => third.server.close(100));
    target = third;
    expect(await session.call('add', { a: 4, b: 4 }, { idempotent: true })).toEqual({ sum: 8 });
    expect(third.adder.runs).toBe(1);
  });
});
