import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AppManifest,
  ATTEST_PATH,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  CALL_PATH,
  computeBinding,
  type EvidenceEnvelope,
  generateServerKey,
  HEALTH_PATH,
  openRequest,
  ProtocolError,
  parseAttestRequest,
  RESPONSE_CONTENT_TYPE,
  type ServerKey,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { type CallLogger, dispatchCall } from './dispatch-call.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { type BodyBudget, BodyBudgetExceededError, BodyTooLargeError, readBody } from './read-body.js';

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
  /** Largest sealed call body accepted, in bytes. Default: 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Largest number of call body bytes buffered across all requests in flight; a request that would
   * exceed it is answered 503 (empty). Bounds memory against many parallel uploads, each under
   * `maxBodyBytes`. Default: 4 × `maxBodyBytes`.
   */
  maxInFlightBodyBytes?: number;
  /** Called once per call with its outcome (never its content). Default: no logging. */
  log?: CallLogger;
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
  /** Stops accepting connections, lets calls in flight finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

const ATTEST_BODY_LIMIT = 4 * 1024;

/** Starts the in-enclave HTTP server of protocol v1 (docs/protocol.md). */
export async function startEnclaveServer(options: EnclaveServerOptions): Promise<EnclaveServer> {
  const key = options.key ?? (await generateServerKey());
  const keyIdHex = Array.from(key.keyId, (b) => b.toString(16).padStart(2, '0')).join('');
  const lookup = (keyId: Uint8Array) => (equal(keyId, key.keyId) ? key : undefined);
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const budget: BodyBudget = { used: 0, max: options.maxInFlightBodyBytes ?? 4 * maxBody };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500);
      else res.destroy();
    });
  });
  // Slow-loris limits: a client must send its headers and body in reasonable time.
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;

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
      if (req.method !== 'GET') return plain(res, 405, 'GET');
      return json(res, 200, {
        status: 'ok',
        app: options.manifest.app.name,
        version: options.manifest.app.version,
      });
    }
    if (path === ATTEST_PATH) {
      if (req.method !== 'POST') return plain(res, 405, 'POST');
      return attest(req, res);
    }
    if (path === CALL_PATH) {
      if (req.method !== 'POST') return plain(res, 405, 'POST');
      return call(req, res);
    }
    return plain(res, 404);
  }

  async function attest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let nonce: Uint8Array;
    try {
      const body = await readBody(req, ATTEST_BODY_LIMIT);
      nonce = base64urlDecode(parseAttestRequest(JSON.parse(new TextDecoder().decode(body))).nonce);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return plain(res, 413);
      return json(res, 400, {
        code: 'BAD_ATTEST_REQUEST',
        message: 'expected {"nonce": base64url(32 bytes)}',
      });
    }
    // Relay attack: bind the key, not only the nonce (docs/protocol.md §3.3).
    const binding = computeBinding(nonce, key.publicKey);
    const provided = await options.provider.getEvidence(binding, { nonce, publicKey: key.publicKey });
    const envelope: EvidenceEnvelope = {
      version: 1,
      platform: options.provider.platform,
      nonce: base64urlEncode(nonce),
      evidence: base64Encode(provided.evidence),
      ...(provided.collateral ? { collateral: provided.collateral } : {}),
      hpkePublicKey: base64urlEncode(key.publicKey),
      keyId: keyIdHex,
      suites: { kem: 0x0020, kdf: 0x0001, aead: [0x0001, 0x0003] },
      ...(options.release !== undefined ? { release: options.release } : {}),
    };
    json(res, 200, envelope);
  }

  async function call(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The bytes this request holds stay charged until its answer is written (plaintext and handler
    // work live that long), and are given back exactly once whatever happens.
    let charged = 0;
    try {
      await callCharged(req, res, (n) => {
        charged += n;
      });
    } finally {
      budget.used -= charged;
    }
  }

  async function callCharged(
    req: IncomingMessage,
    res: ServerResponse,
    onCharge: (n: number) => void,
  ): Promise<void> {
    let body: Uint8Array;
    try {
      body = await readBody(req, maxBody, budget, onCharge);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return plain(res, 413);
      }
      if (err instanceof BodyBudgetExceededError) {
        res.setHeader('connection', 'close');
        res.setHeader('retry-after', '1');
        return plain(res, 503);
      }
      throw err;
    }
    let opened: Awaited<ReturnType<typeof openRequest>>;
    try {
      opened = await openRequest(lookup, body);
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'PROTOCOL_UNKNOWN_KEY') {
        res.setHeader('content-type', 'application/problem+json');
        res.writeHead(400);
        res.end(JSON.stringify({ type: UNKNOWN_KEY_PROBLEM_TYPE, title: 'unknown-key' }));
        return;
      }
      // A request that cannot be opened gets a content-free 400 (docs/protocol.md §3.3): no oracle.
      return plain(res, 400);
    }
    const response = await dispatchCall(options.manifest, options.instance, opened.request, options.log);
    let sealed: Uint8Array;
    try {
      sealed = await opened.sealResponse(response);
    } catch {
      // An output CBOR cannot carry (validated outputs never get here): answer INTERNAL, sealed.
      sealed = await opened.sealResponse({
        ok: false,
        error: { code: 'INTERNAL', message: 'unencodable result' },
      });
    }
    res.setHeader('content-type', RESPONSE_CONTENT_TYPE);
    res.setHeader('cache-control', 'no-store');
    res.writeHead(200);
    res.end(sealed);
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
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
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

function plain(res: ServerResponse, status: number, allow?: string): void {
  res.writeHead(status, { 'content-length': '0', 'cache-control': 'no-store', ...(allow ? { allow } : {}) });
  res.end();
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
