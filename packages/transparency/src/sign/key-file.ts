import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { TransparencyError } from '../transparency-error.js';

/** A release-signing key loaded from a key file. */
export interface LoadedKey {
  privateKey: KeyObject;
  /** The public key as SPKI PEM (what `--key` / `ReleaseIdentity.publicKey` pin). */
  publicKeyPem: string;
  /** Hex SHA-256 of the SPKI DER: the key ID used as the bundle's key hint. */
  keyId: string;
}

/** Where the public key of a private key file lives: `<path>.pub`. */
function publicKeyPathFor(privateKeyPath: string): string {
  return `${privateKeyPath}.pub`;
}

/**
 * Generates an ECDSA P-256 key pair: the PKCS#8 private key at `path` (mode 0600, never overwritten)
 * and the SPKI public key at `<path>.pub` (mode 0644).
 */
export async function generateKeyFile(
  path: string,
): Promise<{ privateKeyPath: string; publicKeyPath: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const publicKeyPath = publicKeyPathFor(path);
  try {
    // 'wx': refuse to overwrite an existing key; the mode applies at creation, so there is no window
    // in which the private key is readable by others.
    await writeFile(path, privatePem, { mode: 0o600, flag: 'wx' });
    await writeFile(publicKeyPath, publicPem, { mode: 0o644, flag: 'wx' });
  } catch (cause) {
    throw new TransparencyError(
      'TRANSPARENCY_KEY_FILE',
      `could not write a new key at ${path}: ${(cause as Error).message}. Choose a path where no key exists.`,
      { cause },
    );
  }
  return { privateKeyPath: path, publicKeyPath };
}

/** Loads an ECDSA P-256 private key (PKCS#8 or SEC1 PEM) and derives its public key and key ID. */
export async function loadKeyFile(path: string): Promise<LoadedKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TransparencyError('TRANSPARENCY_KEY_FILE', `could not read a private key from ${path}`, {
      cause,
    });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TransparencyError(
      'TRANSPARENCY_KEY_FILE',
      `${path} is not an ECDSA P-256 key; run \`blindbox keys generate\``,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(publicKey),
  };
}

/** Hex SHA-256 of a public key's SPKI DER (the Rekor log ID uses the same construction). */
export function keyIdOf(key: KeyObject | string): string {
  const k = typeof key === 'string' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
