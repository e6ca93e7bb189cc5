import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { fetchLogTrustedRoot, generateKeyFile, loadKeyFile, signRelease } from '@blindbox/transparency';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLogServer, startLogServer } from '../src/index.js';
import { releaseStatement, tempDir } from './fixtures.js';

describe('a bundle we make, checked by sigstore-js itself', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: RunningLogServer;
  beforeAll(async () => {
    dir = await tempDir('interop');
    log = await startLogServer({ dataDir: join(dir.path, 'log') });
  });
  afterAll(async () => {
    await log.close();
    await dir.remove();
  });

  it('is accepted by @sigstore/verify Verifier with the TrustedRoot our log exports', async () => {
    const { privateKeyPath } = await generateKeyFile(join(dir.path, 'release.key'));
    const key = await loadKeyFile(privateKeyPath);
    const bundle = await signRelease(releaseStatement(), {
      signer: { kind: 'key', keyFile: privateKeyPath },
      log: { url: log.url },
    });
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const trustedRoot = await fetchLogTrustedRoot(log.url);
    // sigstore-js called directly: no wrapper of ours in between
    const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), {
      [key.keyId]: {
        rawBytes: createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' }),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      },
    });
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    const signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle)));
    expect(signer.key.asymmetricKeyType).toBe('ec');
    const entry = bundle.verificationMaterial.tlogEntries[0];
    expect(entry?.inclusionProof?.checkpoint?.envelope).toContain(log.origin);
    expect(entry?.kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
  });
});
