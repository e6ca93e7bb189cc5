import { concatBytes } from '@blindbox/bytes';
import { LogError } from './log-error.js';

/** C2SP tlog-tiles tile index path: groups of three digits, all but the last prefixed with `x`. */
export function tilePath(n: number): string {
  const digits = String(n);
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups = padded.match(/\d{3}/g) ?? ['000'];
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** C2SP tlog-tiles entry bundle: big-endian uint16 length-prefixed entries. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  return concatBytes(
    ...entries.flatMap((entry) => [Uint8Array.of(entry.length >> 8, entry.length & 0xff), entry]),
  );
}

/** Splits a C2SP tlog-tiles entry bundle; a truncated one is `LOG_BAD_REQUEST` (the log answered badly). */
export function splitEntryBundle(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new LogError('LOG_BAD_REQUEST', 'truncated entry bundle');
    const len = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + len > bytes.length) throw new LogError('LOG_BAD_REQUEST', 'truncated entry bundle');
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}
