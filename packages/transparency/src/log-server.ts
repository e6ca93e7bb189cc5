import { sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json } from '@sigstore/core';
import { type LogKeys, loadOrCreateLogKeys, signCheckpointNote } from './log-keys.js';
import { LogStorage, MAX_BODY_BYTES, type StoredEntry } from './log-storage.js';
import { fromHex, hashLeaf, toHex } from './merkle-hash.js';
import { TILE_WIDTH } from './merkle-tree.js';
import { type CanonicalEntry, canonicalizeProposedEntry } from './rekor-entry.js';
import { formatCheckpoint, parseCheckpoint, parseSignedNote } from './signed-note.js';
import { TransparencyError, type TransparencyErrorCode } from './transparency-error.js';
import { verifyConsistencyProof } from './verify-consistency-proof.js';

/** Options of {@link startLogServer}. */
export interface LogServerOptions {
  /** Directory holding the log's entries, hashes, checkpoint and keys (`<dataDir>/keys`). Created if missing. */
  dataDir: string;
  /** TCP port. Default: 0 (the system picks a free port; read it from the returned `url`). */
  port?: number;
  /** Address to listen on. Default: `127.0.0.1` (loopback only). */
  host?: string;
  /** Largest request body accepted, in bytes; larger ones get 413. Default: 131072 (128 KiB). */
  maxRequestBytes?: number;
  /** Largest number of entries written (and fsynced) together. Default: 512. */
  maxBatch?: number;
  /** Appends allowed to wait for the disk before new ones get 503 (keeps memory bounded). Default: 4096. */
  maxPending?: number;
}

/** A running embedded log. */
export interface RunningLogServer {
  /** Base URL, e.g. `http://127.0.0.1:3100`: the Rekor v1 API is under `/api/v1`, tiles under `/tile`. */
  url: string;
  /** The checkpoint origin (and signature name): stable for the life of the log. */
  origin: string;
  /** Hex SHA-256 of the log key's SPKI DER (Rekor's log ID). */
  logId: string;
  /** The checkpoint / SET key as SPKI PEM. */
  publicKeyPem: string;
  /** Stops accepting requests, waits for pending appends and closes the files. */
  close(): Promise<void>;
}

interface Pending {
  entry: CanonicalEntry;
  leafHash: Uint8Array;
  resolve(index: number): void;
  reject(err: unknown): void;
}

interface Signed {
  note: string;
  size: number;
  rootHash: Uint8Array;
}

const HTTP_STATUS: Partial<Record<TransparencyErrorCode, number>> = {
  LOG_MALFORMED_ENTRY: 400,
  LOG_BAD_ENTRY_SIGNATURE: 400,
  LOG_BAD_REQUEST: 400,
  LOG_ENTRY_TOO_LARGE: 413,
  LOG_DUPLICATE_ENTRY: 409,
  LOG_NOT_FOUND: 404,
  LOG_BUSY: 503,
};

/**
 * Starts the embedded transparency log (`blindbox log serve`): an RFC 6962 Merkle log on local files
 * with Rekor's v1 write API, C2SP tlog-tiles reads and a C2SP signed checkpoint at `/checkpoint`.
 *
 * Appends are group-committed: requests that arrive while an fsync runs are written together by the
 * next one; each batch is fdatasync'ed before its checkpoint is signed, and every checkpoint extends
 * the previous one (the tree is append-only and recovery only truncates unacknowledged records).
 */
export async function startLogServer(options: LogServerOptions): Promise<RunningLogServer> {
  const host = options.host ?? '127.0.0.1';
  const maxRequestBytes = options.maxRequestBytes ?? 128 * 1024;
  const maxBatch = options.maxBatch ?? 512;
  const maxPending = options.maxPending ?? 4096;
  const keys = loadOrCreateLogKeys(options.dataDir);
  const storage = LogStorage.open(options.dataDir);
  const logIdHex = keys.logId.toString('hex');

  let signed = signedFromNote(storage.lastCheckpoint());
  if (!signed || signed.size !== storage.size) signed = signAndSave(keys, storage, signed);

  const queue: Pending[] = [];
  let writing: Promise<void> | undefined;
  let failed: unknown;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      const accepted: Pending[] = [];
      const seen = new Set<string>();
      for (const p of batch) {
        const key = toHex(p.leafHash);
        const existing = storage.indexOfLeaf(p.leafHash);
        if (existing !== undefined || seen.has(key)) {
          p.reject(
            new TransparencyError(
              'LOG_DUPLICATE_ENTRY',
              `an equivalent entry already exists in the log with UUID ${key}`,
            ),
          );
        } else {
          seen.add(key);
          accepted.push(p);
        }
      }
      if (accepted.length === 0) continue;
      const integratedTime = Math.floor(Date.now() / 1000);
      try {
        const first = await storage.append(
          accepted.map((p) => ({ body: p.entry.body, attestation: p.entry.attestation, integratedTime })),
        );
        // durable first, signed second
        signed = signAndSave(keys, storage, signed);
        for (const [i, p] of accepted.entries()) p.resolve(first + i);
      } catch (err) {
        // an I/O failure leaves the files for recovery to judge: stop taking writes
        failed = err;
        for (const p of [...accepted, ...queue.splice(0)]) p.reject(err);
      }
    }
  };

  const enqueue = (entry: CanonicalEntry): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      queue.push({ entry, leafHash: hashLeaf(entry.body), resolve, reject });
      if (!writing) {
        writing = drain().finally(() => {
          writing = undefined;
        });
      }
    });

  const entryJson = (index: number, stored: StoredEntry, cp: Signed) => {
    const body = Buffer.from(stored.body).toString('base64');
    const payload = { body, integratedTime: stored.integratedTime, logID: logIdHex, logIndex: index };
    // Rekor's signed entry timestamp: ECDSA over the canonical JSON of the entry's coordinates
    const set = sign('sha256', Buffer.from(json.canonicalize(payload), 'utf8'), keys.ecdsa).toString(
      'base64',
    );
    return {
      [toHex(hashLeaf(stored.body))]: {
        ...payload,
        verification: {
          signedEntryTimestamp: set,
          inclusionProof: {
            hashes: storage.tree.inclusionProof(index, cp.size).map(toHex),
            logIndex: index,
            rootHash: toHex(cp.rootHash),
            treeSize: cp.size,
            checkpoint: cp.note,
          },
        },
        ...(stored.attestation.length > 0
          ? { attestation: { data: Buffer.from(stored.attestation).toString('base64') } }
          : {}),
      },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://log.invalid');
    const path = url.pathname;
    const cp = signed as Signed;
    if (req.method === 'POST' && path === '/api/v1/log/entries') {
      if (failed)
        throw new TransparencyError(
          'LOG_STORAGE_CORRUPT',
          'the log stopped taking writes after an I/O error; restart it',
        );
      const raw = await readBody(req, maxRequestBytes);
      let proposed: unknown;
      try {
        proposed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new TransparencyError('LOG_MALFORMED_ENTRY', 'the request body is not JSON');
      }
      if (queue.length >= maxPending) {
        res.setHeader('Retry-After', '1');
        throw new TransparencyError(
          'LOG_BUSY',
          `${queue.length} appends are waiting for the disk; retry shortly`,
        );
      }
      const entry = canonicalizeProposedEntry(proposed);
      if (entry.body.length > MAX_BODY_BYTES) {
        throw new TransparencyError(
          'LOG_ENTRY_TOO_LARGE',
          `the canonical entry is ${entry.body.length} bytes; the limit is ${MAX_BODY_BYTES}`,
        );
      }
      const leafHex = toHex(hashLeaf(entry.body));
      let index: number;
      try {
        index = await enqueue(entry);
      } catch (err) {
        if (err instanceof TransparencyError && err.code === 'LOG_DUPLICATE_ENTRY') {
          res.setHeader('Location', `/api/v1/log/entries/${leafHex}`);
        }
        throw err;
      }
      res.setHeader('Location', `/api/v1/log/entries/${leafHex}`);
      res.setHeader('ETag', leafHex);
      return sendJson(res, 201, entryJson(index, storage.readEntry(index), signed as Signed));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new TransparencyError('LOG_NOT_FOUND', `${req.method} ${path} is not part of this log's API`);
    }
    if (path === '/checkpoint') return send(res, 200, 'text/plain; charset=utf-8', cp.note, 'no-store');
    if (path === '/api/v1/log') {
      return sendJson(res, 200, {
        rootHash: toHex(cp.rootHash),
        treeSize: cp.size,
        signedTreeHead: cp.note,
        treeID: logIdHex.slice(0, 16),
        inactiveShards: [],
      });
    }
    if (path === '/api/v1/log/publicKey')
      return send(res, 200, 'application/x-pem-file', keys.ecdsaPublicPem, 'no-store');
    if (path === '/api/v1/log/proof') {
      const lastSize = intParam(url, 'lastSize');
      const firstSize = url.searchParams.has('firstSize') ? intParam(url, 'firstSize') : 1;
      if (firstSize < 1 || firstSize > lastSize || lastSize > cp.size) {
        throw new TransparencyError(
          'LOG_BAD_REQUEST',
          `need 1 ≤ firstSize ≤ lastSize ≤ ${cp.size} (the signed tree size)`,
        );
      }
      return sendJson(res, 200, {
        rootHash: toHex(storage.tree.rootHash(lastSize)),
        hashes: storage.tree.consistencyProof(firstSize, lastSize).map(toHex),
      });
    }
    if (path === '/api/v1/log/entries') {
      const index = intParam(url, 'logIndex');
      if (index >= cp.size)
        throw new TransparencyError('LOG_NOT_FOUND', `no entry ${index}; the signed tree has ${cp.size}`);
      return sendJson(res, 200, entryJson(index, storage.readEntry(index), cp));
    }
    const byUuid = /^\/api\/v1\/log\/entries\/(?:[0-9a-f]{16})?([0-9a-f]{64})$/.exec(path);
    if (byUuid) {
      const index = storage.indexOfLeaf(fromHex(byUuid[1] as string));
      if (index === undefined || index >= cp.size)
        throw new TransparencyError('LOG_NOT_FOUND', 'no entry with that UUID');
      return sendJson(res, 200, entryJson(index, storage.readEntry(index), cp));
    }
    // C2SP tlog-tiles: /tile/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>]
    const tile = /^\/tile\/(entries|\d{1,2})\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d{1,3}))?$/.exec(path);
    if (tile) {
      const n = Number((tile[2] as string).replaceAll('x', '').replaceAll('/', ''));
      const width = tile[3] === undefined ? TILE_WIDTH : Number(tile[3]);
      if (
        !Number.isSafeInteger(n) ||
        width < 1 ||
        width > TILE_WIDTH ||
        (tile[3] !== undefined && width === TILE_WIDTH)
      ) {
        throw new TransparencyError('LOG_BAD_REQUEST', 'invalid tile path');
      }
      const immutable = width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'no-store';
      if (tile[1] === 'entries') {
        if (n * TILE_WIDTH + width > cp.size)
          throw new TransparencyError('LOG_NOT_FOUND', 'tile beyond the signed tree');
        const parts: Buffer[] = [];
        for (let i = 0; i < width; i++) {
          const body = storage.readEntry(n * TILE_WIDTH + i).body;
          const len = Buffer.allocUnsafe(2);
          len.writeUInt16BE(body.length);
          parts.push(len, Buffer.from(body));
        }
        return send(res, 200, 'application/octet-stream', Buffer.concat(parts), immutable);
      }
      const level = Number(tile[1]);
      const available = Math.floor(cp.size / TILE_WIDTH ** level);
      if (n * TILE_WIDTH + width > available)
        throw new TransparencyError('LOG_NOT_FOUND', 'tile beyond the signed tree');
      return send(
        res,
        200,
        'application/octet-stream',
        Buffer.from(storage.tree.tileHashes(level, n * TILE_WIDTH, width)),
        immutable,
      );
    }
    throw new TransparencyError('LOG_NOT_FOUND', `${path} is not part of this log's API`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const code = err instanceof TransparencyError ? err.code : undefined;
      const status = code ? (HTTP_STATUS[code] ?? 500) : 500;
      const message = err instanceof TransparencyError ? err.message : 'internal error';
      if (!res.headersSent) sendJson(res, status, { code: status, message, error: code ?? 'LOG_INTERNAL' });
      if (status === 413) req.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    origin: keys.origin,
    logId: logIdHex,
    publicKeyPem: keys.ecdsaPublicPem,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      while (writing) await writing;
      storage.close();
    },
  };
}

/**
 * Signs and records the checkpoint of the current tree — after proving to itself (RFC 9162 §2.1.4.2)
 * that it extends the previous signed one. Append-only storage makes that true by construction; the
 * check is what keeps a bug or a damaged file from ever producing two inconsistent signed checkpoints.
 */
function signAndSave(keys: LogKeys, storage: LogStorage, previous: Signed | undefined): Signed {
  const size = storage.size;
  const rootHash = storage.tree.rootHash(size);
  if (previous) {
    const consistent =
      previous.size <= size &&
      verifyConsistencyProof(
        previous.size,
        size,
        previous.rootHash,
        rootHash,
        storage.tree.consistencyProof(previous.size, size),
      );
    if (!consistent) {
      throw new TransparencyError(
        'LOG_STORAGE_CORRUPT',
        `refusing to sign size ${size}: it does not extend the checkpoint already signed at size ${previous.size}`,
      );
    }
  }
  const note = signCheckpointNote(keys, formatCheckpoint({ origin: keys.origin, size, rootHash }));
  storage.saveCheckpoint(note);
  return { note, size, rootHash };
}

function signedFromNote(note: string | undefined): Signed | undefined {
  if (note === undefined) return undefined;
  const cp = parseCheckpoint(parseSignedNote(note).text);
  return { note, size: cp.size, rootHash: cp.rootHash };
}

function intParam(url: URL, name: string): number {
  const v = url.searchParams.get(name);
  if (v === null || !/^(0|[1-9][0-9]{0,15})$/.test(v)) {
    throw new TransparencyError('LOG_BAD_REQUEST', `query parameter ${name} must be a non-negative integer`);
  }
  return Number(v);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(
        new TransparencyError(
          'LOG_ENTRY_TOO_LARGE',
          `request body of ${declared} bytes exceeds the limit of ${limit}`,
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(
          new TransparencyError('LOG_ENTRY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`),
        );
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value), 'no-store');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
