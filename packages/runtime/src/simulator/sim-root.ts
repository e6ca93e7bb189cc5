import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The simulator's root key: it plays the role of the hardware vendor's root for simulated evidence. */
export interface SimRoot {
  dir: string;
  /** Base64 SPKI DER of the public key: what a client passes as a trusted simulator root. */
  publicKey: string;
  /** SHA-256 of the SPKI DER: the signer key id inside simulated reports. */
  keyId: Uint8Array;
  /** ECDSA P-256 / SHA-256 signature, r ‖ s (IEEE P1363), over `data`. */
  sign(data: Uint8Array): Uint8Array;
}

/** Where the simulator root lives by default: `$BLINDBOX_SIM_ROOT`, else `$XDG_CONFIG_HOME/blindbox/simulator`, else `~/.config/blindbox/simulator`. */
export function defaultSimRootDir(env: Record<string, string | undefined> = process.env): string {
  if (env.BLINDBOX_SIM_ROOT) return env.BLINDBOX_SIM_ROOT;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'blindbox', 'simulator');
}

/** Loads the simulator root key from `dir`, creating it (mode 0600) on first use. */
export function loadSimRoot(dir: string = defaultSimRootDir()): SimRoot {
  const keyPath = join(dir, 'root-key.pem');
  if (!existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(keyPath, 0o600);
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  writeFileSync(join(dir, 'root-public.b64'), `${spki.toString('base64')}\n`);
  return {
    dir,
    publicKey: spki.toString('base64'),
    keyId: new Uint8Array(createHash('sha256').update(spki).digest()),
    sign: (data) => new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
  };
}
