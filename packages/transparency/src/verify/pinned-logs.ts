import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { fail } from './fail.js';

/** A transparency log the TrustedRoot pins: its checkpoint origin, log ID and key. */
export interface PinnedTLog {
  origin: string;
  logId: Buffer;
  spki: Buffer;
  key: KeyObject;
}

/** The TrustedRoot's tlogs; an unusable TrustedRoot is `TRANSPARENCY_BAD_TRUSTED_ROOT`. */
export function pinnedTLogs(trustedRoot: unknown): PinnedTLog[] {
  try {
    const root = TrustedRoot.fromJSON(trustedRoot);
    return root.tlogs.flatMap((t) => {
      const raw = t.publicKey?.rawBytes;
      const id = t.checkpointKeyId?.keyId ?? t.logId?.keyId;
      if (!raw || !id) return [];
      return [
        {
          origin: t.baseUrl.replace(/^[a-z]+:\/\//, ''),
          logId: Buffer.from(id),
          spki: Buffer.from(raw),
          key: createPublicKey({ key: Buffer.from(raw), format: 'der', type: 'spki' }),
        },
      ];
    });
  } catch (cause) {
    return fail('TRANSPARENCY_BAD_TRUSTED_ROOT', 'the TrustedRoot JSON is not usable', cause);
  }
}
