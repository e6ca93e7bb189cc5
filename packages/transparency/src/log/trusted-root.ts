import { createHash, createPublicKey } from 'node:crypto';
import { TransparencyError } from '../transparency-error.js';
import { LogError } from './log-error.js';
import { parseCheckpoint, parseSignedNote, verifySignedNote } from './signed-note.js';

/** TrustedRoot JSON media type (sigstore protobuf-specs). */
export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** The JSON form of a Sigstore TrustedRoot, as far as this package writes it. */
export interface TrustedRootJson {
  mediaType: string;
  tlogs: TransparencyLogInstanceJson[];
  certificateAuthorities: unknown[];
  ctlogs: TransparencyLogInstanceJson[];
  timestampAuthorities: unknown[];
}

export interface TransparencyLogInstanceJson {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: { rawBytes: string; keyDetails: string; validFor?: { start: string; end?: string } };
  logId: { keyId: string };
}

/** A log to pin: its checkpoint origin and its ECDSA P-256 public key. */
export interface PinnedLog {
  /** The log's checkpoint origin (e.g. `blindbox.local/log/1a2b…`). */
  origin: string;
  /** SPKI PEM of the log's checkpoint / SET key. */
  publicKeyPem: string;
}

/**
 * A TrustedRoot pinning the given logs. Each tlog's `baseUrl` is `https://<origin>`: sigstore-js
 * matches a checkpoint's signer name against it, and the origin (unlike the address a log is served
 * at) never changes.
 */
export function trustedRootForLogs(logs: readonly PinnedLog[]): TrustedRootJson {
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: logs.map((log) => {
      const der = createPublicKey(log.publicKeyPem).export({ type: 'spki', format: 'der' });
      return {
        baseUrl: `https://${log.origin}`,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: '1970-01-01T00:00:00Z' },
        },
        logId: { keyId: createHash('sha256').update(der).digest('base64') },
      };
    }),
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

/**
 * Fetches a log's public key and origin (`/api/v1/log/publicKey`, `/checkpoint`) and returns its
 * TrustedRoot. Trust on first use: pin the output (commit it, ship it in the client) rather than
 * fetching it again at verification time.
 */
export async function fetchLogTrustedRoot(logUrl: string): Promise<TrustedRootJson> {
  const base = logUrl.replace(/\/+$/, '');
  const get = async (path: string): Promise<string> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
    } catch (cause) {
      throw new LogError('LOG_NOT_FOUND', `cannot reach the log at ${base}${path}`, { cause });
    }
    if (!res.ok) throw new LogError('LOG_NOT_FOUND', `${base}${path} answered HTTP ${res.status}`);
    return res.text();
  };
  const publicKeyPem = await get('/api/v1/log/publicKey');
  const note = parseSignedNote(await get('/checkpoint'));
  const origin = parseCheckpoint(note.text).origin;
  // the key must be the one that signs the log's checkpoints under its origin
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  if (!verifySignedNote(note, { name: origin, ecdsaSpki: spki })) {
    throw new TransparencyError(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `${base}'s checkpoint is not signed by the key it publishes`,
    );
  }
  return trustedRootForLogs([{ origin, publicKeyPem }]);
}
