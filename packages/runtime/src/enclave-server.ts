import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  equalBytes,
  hexEncode,
  utf8Decode,
} from '@blindbox/bytes';
import {
  AEAD_IDS,
  type AppManifest,
  ATTEST_PATH,
  CALL_PATH,
  computeBinding,
  type EvidenceEnvelope,
  generateServerKey,
  HEALTH_PATH,
  KDF_ID,
  KEM_ID,
  type OpenRequestOptions,
  PROTOCOL_VERSION,
  parseAttestRequest,
  ReplayCache,
  type ServerKey,
  SUPPORTED_PROTOCOLS,
} from '@blindbox/protocol';
import { busy, json, plain } from './answer.js';
import { BodyBudget } from './body-budget.js';
import { requestItemLimit } from './derive-cbor-limits.js';
import type { CallLogger, DispatchOptions } from './dispatch-call.js';
import { EvidenceBusyError, EvidenceGate } from './gate-evidence.js';
import { ConnectionGuard } from './guard-connections.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { readBody } from './read-body.js';
import { RuntimeError } from './runtime-error.js';
import { answerBodyError, type CallContext, serveCall } from './serve-call.js';
import { resolveLimits, type ServerLimits } from './server-limits.js';
import { SessionTable } from './session-table.js';

/** Options of {@link startEnclaveServer}. */
export interface EnclaveServerOptions {
  manifest: AppManifest;
  /** An instance of the `@enclave` class. */
  instance: object;
  provider: AttestationProvider;
  /** The signed release bundle (JSON) served in every envelope. Default: none. */
  release?: unknown;
  /** Port to listen on; 0 picks a free one. Default: 8080. */
  port?: number;
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Largest sealed call body accepted, in bytes (same as `limits.maxBodyBytes`). Default: 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Memory held for call bodies across all requests in flight (same as
   * `limits.maxInFlightBodyBytes`). Default: 4 × `maxBodyBytes` × 5.
   */
  maxInFlightBodyBytes?: number;
  /** Resource bounds: connections, pipelining, evidence, timeouts, budgets, replay window. See {@link ServerLimits}. */
  limits?: Partial<ServerLimits>;
  /** Called once per call with its outcome (never its content). Default: no logging. */
  log?: CallLogger;
  /** The validators the build compiled, and whether invalid outputs are explained (see {@link DispatchOptions}). */
  validators?: DispatchOptions['validators'];
  revealOutputIssues?: boolean;
  /** The HPKE key; default: a fresh one, generated inside the enclave and never written anywhere. */
  key?: ServerKey;
  /**
   * Web origins allowed to call from a browser (CORS), or `'*'`. Default: none. The protocol does not
   * rely on the origin for security (every call is sealed to an attested key, no cookies are used);
   * this only decides which web pages may use the enclave from their visitors' browsers.
   */
  corsOrigins?: readonly string[] | '*';
}

/** A running enclave server. */
export interface EnclaveServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** The limits in force, defaults filled in. */
  readonly limits: Readonly<ServerLimits>;
  /** What the server holds right now (for tests and metrics; no content). */
  stats(): { bodyBytesHeld: { large: number; small: number }; replayEntries: number; sessions: number };
  /** Stops accepting connections, lets calls in flight finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

const ATTEST_BODY_LIMIT = 4 * 1024;

/** Starts the in-enclave HTTP server of protocol v1 (docs/protocol.md). */
export async function startEnclaveServer(options: EnclaveServerOptions): Promise<EnclaveServer> {
  const key = options.key ?? (await generateServerKey());
  const keyIdHex = hexEncode(key.keyId);
  const lookup = (keyId: Uint8Array) => (equalBytes(keyId, key.keyId) ? key : undefined);
  const limits = resolveLimits(
    {
      ...(options.maxInFlightBodyBytes !== undefined
        ? { maxInFlightBodyBytes: options.maxInFlightBodyBytes }
        : {}),
      ...options.limits,
    },
    options.maxBodyBytes,
  );
  const guard = new ConnectionGuard(limits);
  const budget = new BodyBudget(limits, guard);
  const evidenceGate = new EvidenceGate(limits.maxEvidenceInFlight, limits.maxEvidenceQueued);
  const replay = new ReplayCache({
    pastWindowMs: limits.replayPastWindowMs,
    futureWindowMs: limits.replayFutureWindowMs,
    capacity: limits.replayCacheEntries,
  });
  // Items a request plaintext may hold, from the schemas (docs/protocol.md §11.9): the decoder stops
  // at the first item over it, so a body of millions of tiny items costs microseconds, not a minute.
  const cborItems = limits.maxCborItems ?? requestItemLimit(options.manifest);
  const openOptions: OpenRequestOptions = {
    cbor: { maxBytes: limits.maxBodyBytes, ...(cborItems === undefined ? {} : { maxItems: cborItems }) },
  };

  const sessions = new SessionTable({
    ttlMs: limits.sessionTtlMs,
    idleMs: limits.sessionIdleMs,
    maxSessions: limits.maxSessions,
    maxSessionsPerClient: limits.maxSessionsPerClient,
    window: limits.sessionWindow,
  });
  const callContext: CallContext = {
    manifest: options.manifest,
    instance: options.instance,
    log: options.log,
    dispatch: {
      ...(options.log ? { log: options.log } : {}),
      ...(options.validators ? { validators: options.validators } : {}),
      revealOutputIssues: options.revealOutputIssues === true,
    },
    limits,
    key,
    lookupKey: lookup,
    guard,
    budget,
    replay,
    sessions,
    openOptions,
  };

  const server = createServer(
    // Node checks the header and request timeouts on this interval (30 s by default, which let a
    // 10 s header timeout run 40 s).
    { connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
    (req, res) => {
      if (!guard.admit(req, res)) return;
      handle(req, res).catch(() => {
        if (!res.headersSent) plain(res, 500);
        else res.destroy();
      });
    },
  );
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  guard.attach(server);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (cors(req, res) && req.method === 'OPTIONS') {
      // CORS preflight (Fetch standard §3.2.2): our POSTs carry a non-safelisted content type.
      res.writeHead(204, {
        'access-control-allow-methods': path === HEALTH_PATH ? 'GET' : 'POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET') return plain(res, 405, { allow: 'GET' });
      // Liveness only (docs/protocol.md §2): no app name or version for whoever asks.
      return json(res, 200, { status: 'ok' });
    }
    if (path === ATTEST_PATH) {
      if (req.method !== 'POST') return plain(res, 405, { allow: 'POST' });
      return attest(req, res);
    }
    if (path === CALL_PATH) {
      if (req.method !== 'POST') return plain(res, 405, { allow: 'POST' });
      return serveCall(callContext, req, res);
    }
    return plain(res, 404);
  }

  async function attest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let nonce: Uint8Array;
    try {
      const body = await readBody(req, { limit: ATTEST_BODY_LIMIT, idleTimeoutMs: limits.bodyIdleTimeoutMs });
      nonce = base64urlDecode(parseAttestRequest(JSON.parse(utf8Decode(body))).nonce);
    } catch (err) {
      if (answerBodyError(req, res, err)) return;
      return json(res, 400, {
        code: 'BAD_ATTEST_REQUEST',
        message: 'expected {"nonce": base64url(32 bytes)}',
      });
    }
    // Relay attack: bind the key, not only the nonce (docs/protocol.md §3.3).
    const binding = computeBinding(nonce, key.publicKey);
    let provided: Awaited<ReturnType<AttestationProvider['getEvidence']>>;
    try {
      provided = await evidenceGate.run(() =>
        options.provider.getEvidence(binding, { nonce, publicKey: key.publicKey }),
      );
    } catch (err) {
      // Both our gate and a provider's own bound (the simulator's pending map) shed the same way.
      if (err instanceof EvidenceBusyError) return busy(req, res);
      if (err instanceof RuntimeError && err.code === 'RUNTIME_ATTESTATION_BUSY') return busy(req, res);
      throw err;
    }
    if (res.destroyed) return;
    const envelope: EvidenceEnvelope = {
      version: PROTOCOL_VERSION,
      platform: options.provider.platform,
      nonce: base64urlEncode(nonce),
      evidence: base64Encode(provided.evidence),
      ...(provided.collateral ? { collateral: provided.collateral } : {}),
      ...(provided.gpus ? { gpus: provided.gpus } : {}),
      hpkePublicKey: base64urlEncode(key.publicKey),
      keyId: keyIdHex,
      suites: { kem: KEM_ID, kdf: KDF_ID, aead: [AEAD_IDS['aes-128-gcm'], AEAD_IDS['chacha20-poly1305']] },
      ...(options.release !== undefined ? { release: options.release } : {}),
      protocols: [...SUPPORTED_PROTOCOLS],
    };
    json(res, 200, envelope);
  }

  /** Adds CORS headers when the request's Origin is allowed; returns whether it was. */
  function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const allowed = options.corsOrigins;
    if (!origin || !allowed) return false;
    if (allowed !== '*' && !allowed.includes(origin)) return false;
    res.setHeader('access-control-allow-origin', allowed === '*' ? '*' : origin);
    res.setHeader('vary', 'origin');
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A burst of connections beyond Node's default backlog (511) overflowed the accept queue.
    server.listen(
      { port: options.port ?? 8080, host: options.host ?? '127.0.0.1', backlog: limits.listenBacklog },
      () => {
        server.off('error', reject);
        resolve();
      },
    );
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    limits,
    stats: () => ({ bodyBytesHeld: budget.used, replayEntries: replay.size, sessions: sessions.size }),
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
