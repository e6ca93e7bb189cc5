import type { AttemptOutcome } from './call-attempt.js';

/** What following unknown-key hints needs from the connection. */
export interface KeyHolderSearch {
  /** The key id (hex) the call was sealed to. */
  sealedTo: string;
  /** Whether this key id is verified (attested, accepted by the policy, not expired). */
  isVerified(id: string): boolean;
  /** Attests once through the origin (so through the load balancer); every key passes the full policy. */
  attestOne(): Promise<void>;
  /** Most resends of the same bytes in one call. */
  maxResends: number;
  /** Most attestations in one call. */
  maxAttests: number;
  /**
   * Whether the sealed-to key's holder gave a sealed answer (to any call) since this search began:
   * then it exists, and a repeated hint only means the calls met the replicas out of turn.
   */
  holderAnswered?: () => boolean;
}

/**
 * Behind a load balancer a call may reach a replica that does not hold its key: that replica answers
 * unknown-key with a hint, its own key id. The call's sealed bytes are then posted again as they
 * are (never sealed anew: a new seal is a new message that could run a second time), until they
 * reach the key's holder; only it can open them, and it remembers them (a one-shot `enc`, a session
 * `seq`), so the call runs at most once whoever answers what (docs/protocol.md §11.7).
 *
 * Each hint's key is verified by full attestation first (bounded), so that later calls may be sealed
 * to it; the hint itself is unauthenticated and decides nothing else. The search stops on no hint,
 * a hint naming the sealed-to key (that server says it holds the key it refused), a hint seen
 * before in this call unless the holder answered meanwhile (under round-robin the holder answers
 * before any replica answers twice, and a restarted single server costs one resend; concurrent
 * calls meet the replicas out of turn, and a holder that keeps answering other calls is still
 * there), or after `maxResends`. The last outcome is returned.
 */
export async function resendToKeyHolder(
  first: AttemptOutcome,
  search: KeyHolderSearch,
): Promise<AttemptOutcome> {
  let outcome = first;
  const hints = new Set<string>();
  let resends = 0;
  let attests = 0;
  while (outcome.kind === 'unknown-key') {
    const { keyIdHint: hint, resend } = outcome;
    if (resend === undefined || hint === undefined || hint === search.sealedTo) break;
    if (resends >= search.maxResends) break;
    if (hints.has(hint) && search.holderAnswered?.() !== true) break;
    hints.add(hint);
    while (!search.isVerified(hint) && attests < search.maxAttests) {
      attests++;
      await search.attestOne();
    }
    resends++;
    outcome = await resend();
  }
  return outcome;
}
