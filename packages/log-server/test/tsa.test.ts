import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import {
  fetchLogTrustedRoot,
  generateKeyFile,
  loadKeyFile,
  signRelease,
  TransparencyError,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLogServer, startLogServer } from '../src/index.js';
import { releaseStatement, tempDir } from './fixtures.js';
import { type MockTsa, startMockTsa } from './mock-tsa.js';

describe('RFC 3161 timestamps (mock TSA)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: RunningLogServer;
  let tsa: MockTsa;
  beforeAll(async () => {
    dir = await tempDir('tsa');
    log = await startLogServer({ dataDir: join(dir.path, 'log') });
    tsa = await startMockTsa();
  });
  afterAll(async () => {
    await log.close();
    await tsa.close();
    await dir.remove();
  });

  it('adds a timestamp that sigstore-js and verifyReleaseBundle accept with the TSA pinned, and reject without (mock TSA)', async () => {
    const keyFile = (await generateKeyFile(join(dir.path, 'k'))).privateKeyPath;
    const key = await loadKeyFile(keyFile);
    const bundle = await signRelease(releaseStatement(), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
      tsa: { url: tsa.url },
    });
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const base = await fetchLogTrustedRoot(log.url);
    const trustedRoot = {
      ...base,
      timestampAuthorities: [
        {
          subject: { commonName: 'mock-tsa' },
          certChain: { certificates: tsa.chainDerBase64.map((rawBytes) => ({ rawBytes })) },
          validFor: { start: '2000-01-01T00:00:00Z' },
        },
      ],
    };
    // sigstore-js directly: two timestamps (log + TSA) required
    const keys = {
      [key.keyId]: {
        rawBytes: createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' }),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      },
    };
    new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), keys), {
      ctlogThreshold: 0,
      timestampThreshold: 2,
    }).verify(toSignedEntity(bundleFromJSON(bundle)));
    const release = await verifyReleaseBundle(bundle, {
      trustedRoot,
      identity: { kind: 'key', publicKey: key.publicKeyPem },
    });
    expect(release.statement.predicate.app).toBe('transcriber');
    // with a TSA timestamp sigstore-js no longer needs the signed entry timestamp; without it the
    // entry's integratedTime is anyone's word: stripping the SET and back-dating the entry must fail
    const backdated = structuredClone(bundle);
    const entry = backdated.verificationMaterial.tlogEntries[0] as {
      inclusionPromise?: unknown;
      integratedTime: string;
    };
    delete entry.inclusionPromise;
    entry.integratedTime = '1000';
    const unsigned = await verifyReleaseBundle(backdated, {
      trustedRoot,
      identity: { kind: 'key', publicKey: key.publicKeyPem },
      at: new Date(2000_000),
    }).catch((e: unknown) => e);
    expect(unsigned).toBeInstanceOf(TransparencyError);
    expect((unsigned as TransparencyError).code).toBe('TRANSPARENCY_UNTRUSTED_LOG_KEY');
    // a timestamp from an authority the TrustedRoot does not pin fails closed
    const err = await verifyReleaseBundle(bundle, {
      trustedRoot: base,
      identity: { kind: 'key', publicKey: key.publicKeyPem },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransparencyError);
    expect((err as TransparencyError).code).toBe('TRANSPARENCY_UNTRUSTED_TIMESTAMP');
  });
});
