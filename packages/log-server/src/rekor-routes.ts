import type { IncomingMessage, ServerResponse } from 'node:http';
import { hexDecode, hexEncode } from '@blindbox/bytes';
import { LogError } from '@blindbox/transparency';
import { hashLeaf } from '@blindbox/transparency/internal';
import { canonicalizeProposedEntry } from './canonicalize-proposed-entry.js';
import { intParam, readBody, send, sendJson } from './http-io.js';
import type { LogContext } from './log-context.js';
import { MAX_BODY_BYTES } from './log-storage.js';
import { rekorEntryJson } from './rekor-entry-json.js';
import type { SignedCheckpoint } from './sign-checkpoint.js';

/** Rekor v1's entries collection: POST appends, GET `?logIndex=` reads. */
export const ENTRIES_PATH = '/api/v1/log/entries';

/** `GET /api/v1/log/entries/<uuid>`: a 64-hex leaf hash, optionally after Rekor's 16-hex tree ID. */
const ENTRY_BY_UUID = /^\/api\/v1\/log\/entries\/(?:[0-9a-f]{16})?([0-9a-f]{64})$/;

/**
 * `POST /api/v1/log/entries` (Rekor v1 write API): validates and canonicalizes the proposed entry,
 * appends it through the writer and answers 201 with the entry, its signed entry timestamp and an
 * inclusion proof against the checkpoint that covers it.
 */
export async function postEntry(ctx: LogContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ctx.writer.stopped)
    throw new LogError('LOG_STORAGE_CORRUPT', 'the log stopped taking writes after an I/O error; restart it');
  const proposed = parseJsonBody(await readBody(req, ctx.maxRequestBytes));
  if (ctx.writer.pending >= ctx.maxPending) {
    res.setHeader('Retry-After', '1');
    throw new LogError('LOG_BUSY', `${ctx.writer.pending} appends are waiting for the disk; retry shortly`);
  }
  const entry = canonicalizeProposedEntry(proposed);
  if (entry.body.length > MAX_BODY_BYTES) {
    throw new LogError(
      'LOG_ENTRY_TOO_LARGE',
      `the canonical entry is ${entry.body.length} bytes; the limit is ${MAX_BODY_BYTES}`,
    );
  }
  const location = `${ENTRIES_PATH}/${hexEncode(hashLeaf(entry.body))}`;
  let index: number;
  try {
    index = await ctx.writer.append(entry);
  } catch (err) {
    // Rekor names the existing entry of a duplicate
    if (err instanceof LogError && err.code === 'LOG_DUPLICATE_ENTRY') res.setHeader('Location', location);
    throw err;
  }
  res.setHeader('Location', location);
  res.setHeader('ETag', location.slice(ENTRIES_PATH.length + 1));
  sendJson(res, 201, rekorEntryJson(ctx, index, ctx.writer.signed));
}

/**
 * The Rekor v1 read API: log info, public key, consistency proofs, entries by index and by UUID.
 * Answers against the signed checkpoint `cp`; returns false when `url` is none of these.
 */
export function serveRekorRead(
  ctx: LogContext,
  url: URL,
  res: ServerResponse,
  cp: SignedCheckpoint,
): boolean {
  const path = url.pathname;
  if (path === '/api/v1/log') {
    sendJson(res, 200, {
      rootHash: hexEncode(cp.rootHash),
      treeSize: cp.size,
      signedTreeHead: cp.note,
      treeID: ctx.logIdHex.slice(0, 16),
      inactiveShards: [],
    });
  } else if (path === '/api/v1/log/publicKey') {
    send(res, 200, 'application/x-pem-file', ctx.keys.ecdsaPublicPem, 'no-store');
  } else if (path === '/api/v1/log/proof') {
    sendConsistencyProof(ctx, url, res, cp);
  } else if (path === ENTRIES_PATH) {
    const index = intParam(url, 'logIndex');
    if (index >= cp.size)
      throw new LogError('LOG_NOT_FOUND', `no entry ${index}; the signed tree has ${cp.size}`);
    sendJson(res, 200, rekorEntryJson(ctx, index, cp));
  } else {
    const byUuid = ENTRY_BY_UUID.exec(path);
    if (!byUuid) return false;
    const index = ctx.storage.indexOfLeaf(hexDecode(byUuid[1] as string));
    if (index === undefined || index >= cp.size)
      throw new LogError('LOG_NOT_FOUND', 'no entry with that UUID');
    sendJson(res, 200, rekorEntryJson(ctx, index, cp));
  }
  return true;
}

/** `GET /api/v1/log/proof?firstSize=&lastSize=`: an RFC 9162 §2.1.4 consistency proof within the signed tree. */
function sendConsistencyProof(ctx: LogContext, url: URL, res: ServerResponse, cp: SignedCheckpoint): void {
  const lastSize = intParam(url, 'lastSize');
  const firstSize = url.searchParams.has('firstSize') ? intParam(url, 'firstSize') : 1;
  if (firstSize < 1 || firstSize > lastSize || lastSize > cp.size) {
    throw new LogError(
      'LOG_BAD_REQUEST',
      `need 1 ≤ firstSize ≤ lastSize ≤ ${cp.size} (the signed tree size)`,
    );
  }
  sendJson(res, 200, {
    rootHash: hexEncode(ctx.storage.tree.rootHash(lastSize)),
    hashes: ctx.storage.tree.consistencyProof(firstSize, lastSize).map(hexEncode),
  });
}

function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new LogError('LOG_MALFORMED_ENTRY', 'the request body is not JSON');
  }
}
