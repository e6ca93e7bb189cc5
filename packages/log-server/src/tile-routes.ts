import type { ServerResponse } from 'node:http';
import { LogError } from '@blindbox/transparency';
import { encodeEntryBundle, TILE_WIDTH } from '@blindbox/transparency/internal';
import { send } from './http-io.js';
import type { LogContext } from './log-context.js';
import type { SignedCheckpoint } from './sign-checkpoint.js';

/** C2SP tlog-tiles: `/tile/<L>/<N>[.p/<W>]` and `/tile/entries/<N>[.p/<W>]`, N in groups of three digits. */
const TILE_PATH = /^\/tile\/(entries|\d{1,2})\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d{1,3}))?$/;

/** A full tile never changes (the tree is append-only); a partial one is replaced as the log grows. */
const FULL_TILE_CACHE = 'public, max-age=31536000, immutable';

interface TileRequest {
  /** `entries`, or the hash level. */
  level: 'entries' | number;
  /** Tile index at that level. */
  n: number;
  /** Number of entries or hashes: TILE_WIDTH for a full tile. */
  width: number;
}

/**
 * The C2SP read API: `/checkpoint` (tlog-checkpoint, the signed note) and the tiles (tlog-tiles),
 * never beyond the signed tree `cp`. Returns false when `path` is neither.
 */
export function serveTiles(
  ctx: LogContext,
  path: string,
  res: ServerResponse,
  cp: SignedCheckpoint,
): boolean {
  if (path === '/checkpoint') {
    send(res, 200, 'text/plain; charset=utf-8', cp.note, 'no-store');
    return true;
  }
  const tile = parseTilePath(path);
  if (!tile) return false;
  const cache = tile.width === TILE_WIDTH ? FULL_TILE_CACHE : 'no-store';
  send(res, 200, 'application/octet-stream', readTile(ctx, tile, cp), cache);
  return true;
}

function parseTilePath(path: string): TileRequest | undefined {
  const m = TILE_PATH.exec(path);
  if (!m) return undefined;
  const n = Number((m[2] as string).replaceAll('x', '').replaceAll('/', ''));
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  // a partial tile spells its width; ".p/256" would be a second name for the full tile
  if (
    !Number.isSafeInteger(n) ||
    width < 1 ||
    width > TILE_WIDTH ||
    (m[3] !== undefined && width === TILE_WIDTH)
  ) {
    throw new LogError('LOG_BAD_REQUEST', 'invalid tile path');
  }
  return { level: m[1] === 'entries' ? 'entries' : Number(m[1]), n, width };
}

function readTile(ctx: LogContext, tile: TileRequest, cp: SignedCheckpoint): Uint8Array {
  const first = tile.n * TILE_WIDTH;
  if (tile.level === 'entries') {
    if (first + tile.width > cp.size) throw new LogError('LOG_NOT_FOUND', 'tile beyond the signed tree');
    const bodies = Array.from({ length: tile.width }, (_, i) => ctx.storage.readEntry(first + i).body);
    return encodeEntryBundle(bodies);
  }
  const available = Math.floor(cp.size / TILE_WIDTH ** tile.level);
  if (first + tile.width > available) throw new LogError('LOG_NOT_FOUND', 'tile beyond the signed tree');
  // a copy: the storage may reuse the memory it read into before the socket has sent it
  return Buffer.from(ctx.storage.tree.tileHashes(tile.level, first, tile.width));
}
