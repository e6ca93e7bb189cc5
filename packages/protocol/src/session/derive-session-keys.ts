import { utf8Encode } from '@blindbox/bytes';
import { SESSION_EXPORT_LABEL, SESSION_ID_LENGTH } from '../constants.js';
import { AEAD_SIZES, type AeadKey, type AeadName, createAeadKey } from '../hpke/aead-key.js';
import type { HpkeContext } from '../hpke/hpke-base.js';
import { hkdfExpand } from '../hpke/sha2.js';

/** Raw session secrets (docs/protocol.md §11.2): for test vectors; real code uses {@link SessionKeys}. */
export interface SessionSecrets {
  sessionId: Uint8Array;
  c2sKey: Uint8Array;
  c2sNonce: Uint8Array;
  s2cKey: Uint8Array;
  s2cNonce: Uint8Array;
}

/** One direction of a session: its AEAD key and nonce base. */
export interface DirectionKey {
  readonly aead: AeadKey;
  readonly nonceBase: Uint8Array;
}

/** The keys of one session, as both sides derive them from the opening call's HPKE context. */
export interface SessionKeys {
  /** 16 bytes, derived (never chosen), travels in clear in every session message. */
  readonly sessionId: Uint8Array;
  /** The attested key the session belongs to. */
  readonly keyId: Uint8Array;
  readonly aead: AeadName;
  /** Client → server. */
  readonly c2s: DirectionKey;
  /** Server → client. */
  readonly s2c: DirectionKey;
}

const label = (text: string): Uint8Array => utf8Encode(text);

/**
 * docs/protocol.md §11.2: session_secret = ctx.Export("blindbox/session/v1", 32), then HKDF-Expand
 * with the labels "id", "c2s key", "c2s nonce", "s2c key", "s2c nonce".
 */
export function deriveSessionSecrets(context: Pick<HpkeContext, 'export'>, aead: AeadName): SessionSecrets {
  const secret = context.export(label(SESSION_EXPORT_LABEL), 32);
  const { keySize, nonceSize } = AEAD_SIZES[aead];
  const out: SessionSecrets = {
    sessionId: hkdfExpand(secret, label('id'), SESSION_ID_LENGTH),
    c2sKey: hkdfExpand(secret, label('c2s key'), keySize),
    c2sNonce: hkdfExpand(secret, label('c2s nonce'), nonceSize),
    s2cKey: hkdfExpand(secret, label('s2c key'), keySize),
    s2cNonce: hkdfExpand(secret, label('s2c nonce'), nonceSize),
  };
  secret.fill(0);
  return out;
}

/** The {@link SessionKeys} of an opening call's HPKE context (AEAD keys are set up once here). */
export function deriveSessionKeys(
  context: Pick<HpkeContext, 'export'>,
  aead: AeadName,
  keyId: Uint8Array,
): SessionKeys {
  const s = deriveSessionSecrets(context, aead);
  const keys: SessionKeys = Object.freeze({
    sessionId: s.sessionId,
    keyId: new Uint8Array(keyId),
    aead,
    c2s: Object.freeze({ aead: createAeadKey(aead, s.c2sKey), nonceBase: s.c2sNonce }),
    s2c: Object.freeze({ aead: createAeadKey(aead, s.s2cKey), nonceBase: s.s2cNonce }),
  });
  s.c2sKey.fill(0);
  s.s2cKey.fill(0);
  return keys;
}
