import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf, type LoadedKey } from '@blindbox/transparency';
import { ActionError } from './action-error.js';

/**
 * Loads the release-signing key from its PEM text (a repository secret). Only ECDSA P-256 keys are
 * accepted (what `blindbox keys generate` makes and what verifiers pin); the message never quotes it.
 */
export function loadSigningKey(pem: string): LoadedKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch {
    throw new ActionError(
      'ACTION_BAD_KEY',
      'the key input is not a PEM private key (PKCS#8 or SEC1): paste the whole file from `blindbox keys generate` into the secret',
    );
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ActionError(
      'ACTION_BAD_KEY',
      `the key input is a ${privateKey.asymmetricKeyType} key${privateKey.asymmetricKeyDetails?.namedCurve ? ` on ${privateKey.asymmetricKeyDetails.namedCurve}` : ''}, not ECDSA P-256: make one with \`blindbox keys generate\``,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(publicKey),
  };
}
