import { join } from 'node:path';
import {
  exactSan,
  fetchLogTrustedRoot,
  monitorLog,
  type SigstoreBundleJson,
  signRelease,
  TransparencyError,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLogServer, startLogServer } from '../src/index.js';
import { releaseStatement, tempDir } from './fixtures.js';
import { fakeIdentityToken, type MockFulcio, startMockFulcio } from './mock-fulcio.js';

const SAN = 'https://github.com/acme/transcriber/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

describe('keyless signing and identity policies (mock Fulcio)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: RunningLogServer;
  let fulcio: MockFulcio;
  let trustedRoot: ReturnType<typeof JSON.parse>;
  let bundle: SigstoreBundleJson;
  const sign = (sub: string, iss = ISSUER) =>
    signRelease(releaseStatement(), {
      signer: { kind: 'keyless', fulcioUrl: fulcio.url, identityToken: fakeIdentityToken({ sub, iss }) },
      log: { url: log.url },
    });

  beforeAll(async () => {
    dir = await tempDir('keyless');
    log = await startLogServer({ dataDir: join(dir.path, 'log') });
    fulcio = await startMockFulcio();
    trustedRoot = {
      ...(await fetchLogTrustedRoot(log.url)),
      certificateAuthorities: [
        {
          subject: { organization: 'mock', commonName: 'mock-fulcio' },
          uri: fulcio.url,
          certChain: { certificates: [{ rawBytes: fulcio.caDerBase64 }] },
          validFor: { start: '2000-01-01T00:00:00Z' },
        },
      ],
    };
    bundle = await sign(SAN);
  });
  afterAll(async () => {
    await log.close();
    await fulcio.close();
    await dir.remove();
  });

  const verify = (b: unknown, san: string, issuer = ISSUER) =>
    verifyReleaseBundle(b, {
      trustedRoot,
      identity: { kind: 'keyless', san, issuer },
      insecureSkipCertificateTransparency: true,
    });
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: unknown) => (e instanceof TransparencyError ? e.code : String(e)),
    );

  it('FulcioSigner + our log: sigstore-js accepts it, and so do we with the exact SAN (mock Fulcio)', async () => {
    expect(bundle.verificationMaterial.certificate).toBeDefined();
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), {
      ctlogThreshold: 0,
      tlogThreshold: 1,
    });
    const signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle)), {
      subjectAlternativeName: SAN,
      extensions: { issuer: ISSUER },
    });
    expect(signer.identity?.subjectAlternativeName).toBe(SAN);
    const release = await verify(bundle, exactSan(SAN));
    expect(release.signer).toBe(SAN);
    expect(await code(verify(bundle, 'https://github\\.com/acme/transcriber/.*'))).toBe('accepted');
  });

  it('rejects a SAN that matches the pattern only as an unanchored substring (mock Fulcio)', async () => {
    const evil = await sign(`https://github.com/evil/fork?x=${SAN}`);
    // sigstore-js on its own accepts it: its SAN match is unanchored
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0 });
    expect(() =>
      verifier.verify(toSignedEntity(bundleFromJSON(evil)), { subjectAlternativeName: exactSan(SAN) }),
    ).not.toThrow();
    expect(await code(verify(evil, exactSan(SAN)))).toBe('TRANSPARENCY_WRONG_IDENTITY');
    const suffix = await sign(`${SAN}-evil`);
    expect(await code(verify(suffix, exactSan(SAN)))).toBe('TRANSPARENCY_WRONG_IDENTITY');
  });

  it('answers a certificate whose key is not a curve point with a TransparencyError (mock Fulcio)', async () => {
    const broken = structuredClone(bundle);
    const material = broken.verificationMaterial.certificate as { rawBytes: string };
    const der = Buffer.from(material.rawBytes, 'base64');
    const prefix = Buffer.from('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgA=', 'base64');
    const at = der.indexOf(prefix) + prefix.length;
    expect(at).toBeGreaterThan(prefix.length);
    der[at + 64] = (der[at + 64] as number) ^ 0x01; // y no longer on the curve
    material.rawBytes = der.toString('base64');
    expect(await code(verify(broken, exactSan(SAN)))).toBe('TRANSPARENCY_MALFORMED_BUNDLE');
  });

  it('refuses a SAN pattern that would close the anchoring group itself (mock Fulcio)', async () => {
    // wrapped as ^(?:x)|(?:.*)$, this pattern would match every SAN
    expect(await code(verify(bundle, 'x)|(?:.*'))).toBe('TRANSPARENCY_BAD_POLICY');
    await expect(
      monitorLog({ logUrl: log.url, trustedRoot, identity: { kind: 'keyless', san: 'x)|(?:.*' } }),
    ).rejects.toMatchObject({ code: 'TRANSPARENCY_BAD_POLICY' });
  });

  it('rejects another issuer and another SAN (mock Fulcio)', async () => {
    const otherIssuer = await sign(SAN, 'https://accounts.example.com');
    expect(await code(verify(otherIssuer, exactSan(SAN)))).toBe('TRANSPARENCY_WRONG_IDENTITY');
    expect(
      await code(
        verify(
          bundle,
          exactSan('https://github.com/acme/other/.github/workflows/release.yml@refs/heads/main'),
        ),
      ),
    ).toBe('TRANSPARENCY_WRONG_IDENTITY');
  });

  it('monitorLog finds the releases of an identity by whole SAN, and by issuer when given (mock Fulcio)', async () => {
    // signed so far in this log: SAN@ISSUER, two look-alike SANs, and SAN at another issuer
    const any = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'keyless', san: exactSan(SAN) },
    });
    expect(any.releases).toHaveLength(2);
    const exact = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'keyless', san: exactSan(SAN), issuer: ISSUER },
    });
    expect(exact.releases).toHaveLength(1);
    expect(exact.unexpected).toHaveLength(1);
    const expected = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'keyless', san: exactSan(SAN), issuer: ISSUER },
      expect: ['a'.repeat(64)],
    });
    expect(expected.unexpected).toEqual([]);
  });

  it('fails closed without CT evidence unless told otherwise, and without the CA (mock Fulcio)', async () => {
    expect(
      await code(
        verifyReleaseBundle(bundle, {
          trustedRoot,
          identity: { kind: 'keyless', san: exactSan(SAN), issuer: ISSUER },
        }),
      ),
    ).toBe('TRANSPARENCY_UNTRUSTED_CERTIFICATE');
    expect(
      await code(
        verifyReleaseBundle(bundle, {
          trustedRoot: { ...trustedRoot, certificateAuthorities: [] },
          identity: { kind: 'keyless', san: exactSan(SAN), issuer: ISSUER },
          insecureSkipCertificateTransparency: true,
        }),
      ),
    ).toBe('TRANSPARENCY_UNTRUSTED_CERTIFICATE');
  });
});
