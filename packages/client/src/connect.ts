import type { VerificationReport } from '@blindbox/attestation';
import { base64urlEncode } from '@blindbox/bytes';
import {
  type AeadName,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallResponse,
  newNonce,
  sealRequest,
  selectAead,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { type AcceptedRelease, acceptMeasurement } from './accept-measurement.js';
import { type AttestOptions, attestServer } from './attest-server.js';
import { ClientError, RemoteError } from './client-error.js';
import type { ClientPolicy } from './client-policy.js';

/** Options of {@link connect}. Every default is the safe one. */
export interface ConnectOptions extends AttestOptions {
  /** Which releases the client accepts. Generated clients pass their pinned release. */
  policy: ClientPolicy;
  /** Preferred AEAD for calls, used when the server offers it. Default: the server's first choice (AES-128-GCM for v1 servers). */
  aead?: AeadName;
  /** Re-attest after this many seconds even if the key still works. Default: 3600. */
  sessionTtlSeconds?: number;
}

/** A verified connection to one enclave: calls are sealed to the attested key. */
export interface Session {
  /** The server's origin. */
  readonly url: string;
  /** The verification report of the evidence the current key was accepted with. */
  readonly report: VerificationReport;
  /** Which release the server was accepted as. */
  readonly release: AcceptedRelease;
  /** Seals `input` to the attested key, calls `endpoint`, opens and returns its output. */
  call<O = unknown>(endpoint: string, input: unknown): Promise<O>;
  /** Attests again now (the next call uses the new key). */
  refresh(): Promise<void>;
}

interface Attested {
  report: VerificationReport;
  release: AcceptedRelease;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  aead: AeadName;
  expiresAt: number;
}

/**
 * Attests the server at `url` and returns a session whose calls are sealed to the attested key.
 * Order of checks (docs/protocol.md): fresh nonce → envelope shape → nonce echo → hardware evidence
 * (signatures, chain, policy, debug) with the binding of (nonce, key) → measurement accepted by the
 * policy. Any failure throws a typed error and nothing is sent.
 */
export async function connect(url: string, options: ConnectOptions): Promise<Session> {
  const origin = new URL(url);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => new Date());
  const ttl = (options.sessionTtlSeconds ?? 3600) * 1000;
  let current = await attest();
  let refreshing: Promise<Attested> | undefined;

  async function attest(): Promise<Attested> {
    const attested = await attestServer(origin.origin, { ...options, fetch: doFetch, now });
    const release = await acceptMeasurement(
      attested.report,
      options.policy,
      attested.envelope.release,
      attested.at,
    );
    return {
      report: attested.report,
      release,
      keyId: attested.keyId,
      publicKey: attested.publicKey,
      // docs/protocol.md §4 step 7: an AEAD both sides accept, the caller's choice when possible.
      aead: selectAead(attested.envelope.suites, options.aead),
      expiresAt: attested.at.getTime() + ttl,
    };
  }

  async function send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(new URL(path, origin), {
        ...init,
        headers: { ...options.headers, ...(init.headers as Record<string, string>) },
      });
    } catch (err) {
      throw new ClientError(
        'CLIENT_NETWORK_ERROR',
        `cannot reach ${origin.origin}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async function fresh(): Promise<Attested> {
    if (now().getTime() < current.expiresAt) return current;
    return reattest();
  }

  function reattest(): Promise<Attested> {
    refreshing ??= attest().then(
      (a) => {
        current = a;
        refreshing = undefined;
        return a;
      },
      (err) => {
        refreshing = undefined;
        throw err;
      },
    );
    return refreshing;
  }

  async function callOnce(
    attested: Attested,
    endpoint: string,
    input: unknown,
  ): Promise<CallResponse | 'unknown-key'> {
    const sealed = await sealRequest(
      { keyId: attested.keyId, publicKey: attested.publicKey, aead: attested.aead },
      { endpoint, input, requestId: base64urlEncode(newNonce().slice(0, 12)), sentAt: now().getTime() },
    );
    const res = await send(CALL_PATH, {
      method: 'POST',
      headers: { 'content-type': CALL_CONTENT_TYPE },
      body: sealed.body as Uint8Array<ArrayBuffer>,
    });
    if (res.status === 400 && res.headers.get('content-type')?.startsWith('application/problem+json')) {
      const problem = (await res.json().catch(() => ({}))) as { type?: string };
      if (problem.type === UNKNOWN_KEY_PROBLEM_TYPE) return 'unknown-key';
    }
    if (res.status !== 200) {
      throw new ClientError('CLIENT_HTTP_ERROR', `call answered HTTP ${res.status}`);
    }
    return sealed.openResponse(new Uint8Array(await res.arrayBuffer()));
  }

  return {
    url: origin.origin,
    get report() {
      return current.report;
    },
    get release() {
      return current.release;
    },
    async call<O>(endpoint: string, input: unknown): Promise<O> {
      let response = await callOnce(await fresh(), endpoint, input);
      if (response === 'unknown-key') {
        // The server no longer holds the key (restart, another replica): attest again, once.
        response = await callOnce(await reattest(), endpoint, input);
        if (response === 'unknown-key') {
          throw new ClientError('CLIENT_KEY_ROTATED', 'the server refused a key it had just attested');
        }
      }
      if (!response.ok)
        throw new RemoteError(response.error.code, response.error.message, response.error.path);
      return response.output as O;
    },
    async refresh() {
      await reattest();
    },
  };
}
