import { hexEncode } from '@blindbox/bytes';
import type { NitroDocument } from './parse-nitro-document.js';

/** The document's own fields, JSON-safe, for the `claims` of an accepted VerificationReport. */
export function nitroClaims(doc: NitroDocument): Record<string, unknown> {
  return {
    moduleId: doc.moduleId,
    digest: doc.digest,
    timestamp: doc.timestamp.toISOString(),
    nonce: doc.nonce ? hexEncode(doc.nonce) : null,
    publicKey: doc.publicKey ? hexEncode(doc.publicKey) : null,
    userData: doc.userData ? hexEncode(doc.userData) : null,
  };
}

/** The PCRs present, index → hex, in index order. */
export function nitroPcrs(doc: NitroDocument): Record<number, string> {
  const pcrs: Record<number, string> = {};
  for (const [i, v] of [...doc.pcrs].sort(([a], [b]) => a - b)) pcrs[i] = hexEncode(v);
  return pcrs;
}
