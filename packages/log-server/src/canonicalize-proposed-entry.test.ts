import { LogError } from '@blindbox/transparency';
import { describe, expect, it } from 'vitest';
import { hashedRekord } from '../test/rekor-requests.js';
import { canonicalizeProposedEntry } from './canonicalize-proposed-entry.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The same bytes spelled differently: the last character before the padding gets non-zero pad bits. */
function withPadBits(b64: string): string {
  const at = b64.indexOf('=') - 1;
  const index = ALPHABET.indexOf(b64[at] as string);
  return `${b64.slice(0, at)}${ALPHABET[index | 1]}${b64.slice(at + 1)}`;
}

/** A hashedrekord whose DER signature's base64 ends in padding (so it has pad bits to abuse). */
function paddedHashedRekord(): ReturnType<typeof hashedRekord> {
  for (;;) {
    const entry = hashedRekord();
    const sig = entry.spec.signature.content;
    if (sig.endsWith('=') && (ALPHABET.indexOf(sig[sig.indexOf('=') - 1] as string) & 1) === 0) return entry;
  }
}

describe('canonicalizeProposedEntry', () => {
  it('refuses a second base64 spelling of a signature (non-zero pad bits): one signature, one leaf', () => {
    const entry = paddedHashedRekord();
    const original = entry.spec.signature.content;
    expect(canonicalizeProposedEntry(entry).kind).toBe('hashedrekord');

    const respelled = structuredClone(entry);
    respelled.spec.signature.content = withPadBits(original);
    // a lenient decoder reads the very same signature, which would be logged as a different leaf
    expect(respelled.spec.signature.content).not.toBe(original);
    expect(Buffer.from(respelled.spec.signature.content, 'base64')).toEqual(Buffer.from(original, 'base64'));
    let refusal: unknown;
    try {
      canonicalizeProposedEntry(respelled);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(LogError);
    expect((refusal as LogError).code).toBe('LOG_MALFORMED_ENTRY');
  });
});
