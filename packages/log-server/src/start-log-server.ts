import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogError } from '@blindbox/transparency';
import { AppendWriter } from './append-writer.js';
import { sendError } from './http-io.js';
import type { LogContext } from './log-context.js';
import { loadOrCreateLogKeys } from './log-keys.js';
import { LogStorage } from './log-storage.js';
import { ENTRIES_PATH, postEntry, serveRekorRead } from './rekor-routes.js';
import { serveTiles } from './tile-routes.js';

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

/**
 * Starts the embedded transparency log (`blindbox log serve`): an RFC 6962 Merkle log on local files
 * with Rekor's v1 write API, C2SP tlog-tiles reads and a C2SP signed checkpoint at `/checkpoint`.
 *
 * Appends are group-committed by one {@link AppendWriter}: each batch is fdatasync'ed before its
 * checkpoint is signed, and every checkpoint extends the previous one (the tree is append-only and
 * recovery only truncates unacknowledged records).
 */
export async function startLogServer(options: LogServerOptions): Promise<RunningLogServer> {
  const keys = loadOrCreateLogKeys(options.dataDir);
  const storage = LogStorage.open(options.dataDir);
  const ctx: LogContext = {
    storage,
    keys,
    writer: new AppendWriter(storage, keys, options.maxBatch ?? 512),
    logIdHex: keys.logId.toString('hex'),
    maxRequestBytes: options.maxRequestBytes ?? 128 * 1024,
    maxPending: options.maxPending ?? 4096,
  };
  const server = createServer((req, res) => {
    route(ctx, req, res).catch((err: unknown) => sendError(req, res, err));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    origin: keys.origin,
    logId: ctx.logIdHex,
    publicKeyPem: keys.ecdsaPublicPem,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ctx.writer.idle();
      storage.close();
    },
  };
}

/** One request: the write API, else a read against the checkpoint signed when the request arrived. */
async function route(ctx: LogContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://log.invalid');
  const cp = ctx.writer.signed;
  if (req.method === 'POST' && url.pathname === ENTRIES_PATH) return postEntry(ctx, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new LogError('LOG_NOT_FOUND', `${req.method} ${url.pathname} is not part of this log's API`);
  }
  if (serveTiles(ctx, url.pathname, res, cp) || serveRekorRead(ctx, url, res, cp)) return;
  throw new LogError('LOG_NOT_FOUND', `${url.pathname} is not part of this log's API`);
}
