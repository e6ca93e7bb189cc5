import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519KeyHint, formatSignatureLine } from '@blindbox/transparency/internal';

/** The keys a log signs with, kept in `<data>/keys` (generated on first start, mode 0600). */
export interface LogKeys {
  /** The checkpoint and entry-timestamp key (ECDSA P-256): the TrustedRoot's tlog key. */
  ecdsa: KeyObject;
  ecdsaPublicSpki: Buffer;
  ecdsaPublicPem: string;
  /** SHA-256 of the ECDSA SPKI DER: Rekor's log ID. */
  logId: Buffer;
  /** The second checkpoint signer (C2SP signed-note Ed25519). */
  ed25519: KeyObject;
  ed25519Public: Buffer;
  /** The checkpoint origin and signature-line name. Stable for the life of the log. */
  origin: string;
}

/** Loads the log's keys from `<dataDir>/keys`, generating them on first start. */
export function loadOrCreateLogKeys(dataDir: string): LogKeys {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ecPath = join(dir, 'log-ecdsa-p256.pem');
  const edPath = join(dir, 'log-ed25519.pem');
  const originPath = join(dir, 'origin');
  if (!existsSync(ecPath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(ecPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  if (!existsSync(edPath)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(edPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const ecdsa = createPrivateKey(readFileSync(ecPath, 'utf8'));
  const ed25519 = createPrivateKey(readFileSync(edPath, 'utf8'));
  const ecPublic = createPublicKey(ecdsa);
  const ecdsaPublicSpki = ecPublic.export({ type: 'spki', format: 'der' });
  const logId = createHash('sha256').update(ecdsaPublicSpki).digest();
  if (!existsSync(originPath)) {
    // C2SP tlog-checkpoint: the origin should be a schema-less URL naming the log. It must never change,
    // so it is derived from the key rather than from the address the server happens to listen on.
    writeFileSync(originPath, `blindbox.local/log/${logId.subarray(0, 8).toString('hex')}\n`, { flag: 'wx' });
  }
  const origin = readFileSync(originPath, 'utf8').trim();
  const edSpki = createPublicKey(ed25519).export({ type: 'spki', format: 'der' });
  return {
    ecdsa,
    ecdsaPublicSpki,
    ecdsaPublicPem: ecPublic.export({ type: 'spki', format: 'pem' }) as string,
    logId,
    ed25519,
    ed25519Public: edSpki.subarray(edSpki.length - 32),
    origin,
  };
}

/** Signs a checkpoint body with both keys: the ECDSA line (Rekor hint) and the Ed25519 line. */
export function signCheckpointNote(keys: LogKeys, text: string): string {
  const data = Buffer.from(text, 'utf8');
  const ecSig = sign('sha256', data, keys.ecdsa);
  const edSig = sign(null, data, keys.ed25519);
  return `${text}\n${formatSignatureLine(keys.origin, keys.logId.subarray(0, 4), ecSig)}${formatSignatureLine(
    keys.origin,
    ed25519KeyHint(keys.origin, keys.ed25519Public),
    edSig,
  )}`;
}
