import { generateKeyPairSync, sign } from 'node:crypto';
import { base64Decode as fromBase64 } from '@blindbox/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ecdsaKeyHint,
  formatCheckpoint,
  formatSignatureLine,
  parseCheckpoint,
  parseSignedNote,
  verifySignedNote,
} from './signed-note.js';

// Public production data: the rekor.sigstore.dev v1 log key and one checkpoint it signed. Our
// signed-note code must read what Rekor really emits (origin "<name> - <tree ID>", Rekor key hint).
const REKOR_SPKI = fromBase64(
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==',
);
const REKOR_CHECKPOINT =
  'rekor.sigstore.dev - 1193050959916656506\n1506280580\nZjDd73mjc1W8RZxpRzKqh8APDj+MIHjlQC8Km8UeBpQ=\n\n' +
  '— rekor.sigstore.dev wNI9ajBEAiA/pOpue/xfCkoAWy4yASWxiSN7ffSt5+xwHR+Hl8o6EgIgRmu2RQ+rGTisl0L2tETVrIJyf3h0FwfvabDGa3WTPwg=\n';

describe('C2SP signed notes and checkpoints', () => {
  it('verifies a real rekor.sigstore.dev checkpoint with its published key', () => {
    const note = parseSignedNote(REKOR_CHECKPOINT);
    const cp = parseCheckpoint(note.text);
    expect(cp.origin).toBe('rekor.sigstore.dev - 1193050959916656506');
    expect(cp.size).toBe(1506280580);
    expect(Buffer.from(ecdsaKeyHint(REKOR_SPKI)).toString('hex')).toBe('c0d23d6a');
    expect(verifySignedNote(note, { name: 'rekor.sigstore.dev', ecdsaSpki: REKOR_SPKI })).toBe(true);
    // the name is compared exactly, not as a RegExp
    expect(verifySignedNote(note, { name: 'rekor.sigstore.dev.evil', ecdsaSpki: REKOR_SPKI })).toBe(false);
    expect(verifySignedNote(note, { name: 'rekor.sigstore.de.', ecdsaSpki: REKOR_SPKI })).toBe(false);
    // one changed byte of the body breaks it
    expect(
      verifySignedNote(
        { ...note, text: note.text.replace('1506280580', '1506280581') },
        { name: 'rekor.sigstore.dev', ecdsaSpki: REKOR_SPKI },
      ),
    ).toBe(false);
  });

  it('round-trips checkpoints and rejects malformed ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), (root, size) => {
        const cp = parseCheckpoint(formatCheckpoint({ origin: 'example.com/log', size, rootHash: root }));
        expect(cp.size).toBe(size);
        expect(Buffer.from(cp.rootHash).equals(Buffer.from(root))).toBe(true);
      }),
    );
    for (const bad of [
      '',
      'o\n1\n',
      'o\n-1\nAAAA\n',
      `o\n01\n${'A'.repeat(43)}=\n`,
      'o\n1\nAAAA\n',
      ` o\n1\n${'A'.repeat(43)}=\n`,
      `o\n1\n${'A'.repeat(43)}=`,
    ]) {
      expect(() => parseCheckpoint(bad), JSON.stringify(bad)).toThrow();
    }
    for (const bad of [
      'text\n',
      'text\n\n',
      'text\n\n— name AAAA\n',
      'text\n\nno dash\n',
      'text\n\n— name !!!!!!!!\n',
    ]) {
      expect(() => parseSignedNote(bad), JSON.stringify(bad)).toThrow();
    }
  });

  it('never throws on arbitrary input, only returns or rejects cleanly', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          const note = parseSignedNote(s);
          verifySignedNote(note, { name: 'x', ecdsaSpki: REKOR_SPKI });
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
    );
  });

  it('a signature from another key under the right hint and name does not verify', () => {
    const text = formatCheckpoint({ origin: 'rekor.sigstore.dev', size: 1, rootHash: new Uint8Array(32) });
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = `${text}\n${formatSignatureLine('rekor.sigstore.dev', ecdsaKeyHint(REKOR_SPKI), sign('sha256', Buffer.from(text), attacker))}`;
    expect(
      verifySignedNote(parseSignedNote(forged), { name: 'rekor.sigstore.dev', ecdsaSpki: REKOR_SPKI }),
    ).toBe(false);
  });

  it('reads one spelling of a root hash: unpadded base64 or non-zero pad bits are refused', () => {
    const rootHash = new Uint8Array(32).fill(7);
    const text = formatCheckpoint({ origin: 'log.example', size: 3, rootHash });
    expect(parseCheckpoint(text).rootHash).toEqual(rootHash);
    const root = text.split('\n')[2] as string; // 44 characters, one '=' of padding
    const last = root[42] as string;
    const respelled = `${root.slice(0, 42)}${String.fromCharCode(last.charCodeAt(0) + 1)}=`;
    // a lenient decoder reads the same 32 bytes from the respelled root
    expect(new Uint8Array(Buffer.from(respelled, 'base64'))).toEqual(rootHash);
    expect(() => parseCheckpoint(text.replace(root, respelled))).toThrow();
    expect(() => parseCheckpoint(text.replace(root, root.slice(0, 43)))).toThrow();
  });
});
