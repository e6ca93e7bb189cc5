import { sign } from 'node:crypto';
import { base64Encode, hexEncode, utf8Encode } from '@blindbox/bytes';
import { hashLeaf } from '@blindbox/transparency/internal';
import { json } from '@sigstore/core';
import type { LogContext } from './log-context.js';
import type { SignedCheckpoint } from './sign-checkpoint.js';

/**
 * Rekor v1's answer for one entry, keyed by its UUID (the hex leaf hash): the body, its coordinates,
 * the signed entry timestamp and an inclusion proof against the signed checkpoint `cp`.
 */
export function rekorEntryJson(ctx: LogContext, index: number, cp: SignedCheckpoint) {
  const stored = ctx.storage.readEntry(index);
  const body = base64Encode(stored.body);
  const payload = { body, integratedTime: stored.integratedTime, logID: ctx.logIdHex, logIndex: index };
  // Rekor's signed entry timestamp: ECDSA over the canonical JSON of the entry's coordinates
  const set = base64Encode(sign('sha256', utf8Encode(json.canonicalize(payload)), ctx.keys.ecdsa));
  return {
    [hexEncode(hashLeaf(stored.body))]: {
      ...payload,
      verification: {
        signedEntryTimestamp: set,
        inclusionProof: {
          hashes: ctx.storage.tree.inclusionProof(index, cp.size).map(hexEncode),
          logIndex: index,
          rootHash: hexEncode(cp.rootHash),
          treeSize: cp.size,
          checkpoint: cp.note,
        },
      },
      ...(stored.attestation.length > 0 ? { attestation: { data: base64Encode(stored.attestation) } } : {}),
    },
  };
}
