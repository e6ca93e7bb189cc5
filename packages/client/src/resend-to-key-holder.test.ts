import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './call-attempt.js';
import { resendToKeyHolder } from './resend-to-key-holder.js';

/*
 * The stop rules of following unknown-key hints, over scripted answers: `answers[i]` is what the
 * i-th resend of the same bytes gets (a hint, or 'ok' for the key holder's sealed answer).
 */

const ok: AttemptOutcome = { kind: 'response', response: { ok: true, output: 1 } };

function scripted(answers: (string | undefined | 'ok')[], first: string | undefined) {
  const sent: number[] = [];
  const outcome = (hint: string | undefined | 'ok', n: number): AttemptOutcome =>
    hint === 'ok'
      ? ok
      : {
          kind: 'unknown-key',
          keyIdHint: hint,
          resend: async () => {
            sent.push(n);
            return outcome(answers[n], n + 1);
          },
        };
  return { first: outcome(first, 0), sent };
}

function search(verified: Set<string>, attestation: string[], maxResends = 8) {
  const attested: string[] = [];
  return {
    attested,
    search: {
      sealedTo: 'k',
      isVerified: (id: string) => verified.has(id),
      attestOne: async () => {
        const id = attestation[attested.length] ?? 'none';
        attested.push(id);
        verified.add(id);
      },
      maxResends,
      maxAttests: 4,
    },
  };
}

describe('resendToKeyHolder', () => {
  it('round-robin over three replicas: verifies each hinted key, reaches the holder', async () => {
    const { first, sent } = scripted(['c', 'ok'], 'b');
    const { search: s, attested } = search(new Set(['k']), ['c', 'k', 'b']);
    expect(await resendToKeyHolder(first, s)).toBe(ok);
    expect(sent).toEqual([0, 1]);
    // Attested until b was verified; c was verified on the way, so its hint cost no attestation.
    expect(attested).toEqual(['c', 'k', 'b']);
  });

  it('stops when a hint repeats (a single restarted server: one resend)', async () => {
    const { first, sent } = scripted(['n', 'ok'], 'n');
    const { search: s, attested } = search(new Set(['k']), ['n']);
    const last = await resendToKeyHolder(first, s);
    expect(last).toMatchObject({ kind: 'unknown-key', keyIdHint: 'n' });
    expect(sent).toEqual([0]);
    expect(attested).toEqual(['n']);
  });

  it('keeps resending past a repeated hint while the holder answers other calls (concurrent calls)', async () => {
    const { first, sent } = scripted(['c', 'b', 'ok'], 'b');
    const { search: s } = search(new Set(['k', 'b', 'c']), []);
    expect(await resendToKeyHolder(first, { ...s, holderAnswered: () => true })).toBe(ok);
    expect(sent).toEqual([0, 1, 2]);
    // The same answers without that evidence: the repeated b ends the search.
    const again = scripted(['c', 'b', 'ok'], 'b');
    const last = await resendToKeyHolder(again.first, { ...s, holderAnswered: () => false });
    expect(last).toMatchObject({ kind: 'unknown-key', keyIdHint: 'b' });
    expect(again.sent).toEqual([0, 1]);
  });

  it('does not resend without a hint, on a hint naming the sealed-to key, or without the bytes', async () => {
    for (const hint of [undefined, 'k']) {
      const { first, sent } = scripted(['ok'], hint);
      expect(await resendToKeyHolder(first, search(new Set(['k']), []).search)).toBe(first);
      expect(sent).toEqual([]);
    }
    const streamed: AttemptOutcome = { kind: 'unknown-key', keyIdHint: 'b', resend: undefined };
    expect(await resendToKeyHolder(streamed, search(new Set(['k']), []).search)).toBe(streamed);
  });

  it('bounds attestations (4 per call) and resends (maxResends)', async () => {
    const hints = Array.from({ length: 20 }, (_, i) => `h${i}`);
    const { first, sent } = scripted(hints.slice(1), hints[0]);
    const { search: s, attested } = search(new Set(['k']), [], 3);
    const last = await resendToKeyHolder(first, s);
    expect(last.kind).toBe('unknown-key');
    expect(sent).toEqual([0, 1, 2]);
    expect(attested.length).toBe(4);
  });
});
