import { generateKeyPairSync, sign } from 'node:crypto';
import { cp, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  FileCheckpointStore,
  fetchConsistencyFrom,
  fetchLogTrustedRoot,
  generateKeyFile,
  loadKeyFile,
  MemoryCheckpointStore,
  monitorLog,
  type SigstoreBundleJson,
  signRelease,
  TransparencyError,
  type TrustedRootJson,
  trustedRootForLogs,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { formatSignatureLine, parseSignedNote } from '@blindbox/transparency/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLogServer, startLogServer } from '../src/index.js';
import { releaseStatement, tempDir } from './fixtures.js';

const clone = <T>(v: T): T => structuredClone(v);

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TransparencyError) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('verifyReleaseBundle', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: RunningLogServer;
  let trustedRoot: TrustedRootJson;
  let keyFile: string;
  let publicKey: string;
  let bundle: SigstoreBundleJson;

  beforeAll(async () => {
    dir = await tempDir('verify');
    log = await startLogServer({ dataDir: join(dir.path, 'log-a') });
    trustedRoot = await fetchLogTrustedRoot(log.url);
    keyFile = (await generateKeyFile(join(dir.path, 'release.key'))).privateKeyPath;
    publicKey = (await loadKeyFile(keyFile)).publicKeyPem;
    bundle = await signRelease(releaseStatement('1.0.0'), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
    });
  });
  afterAll(async () => {
    await log.close();
    await dir.remove();
  });
  const verifyWith = (b: unknown, extra: Partial<Parameters<typeof verifyReleaseBundle>[1]> = {}) =>
    verifyReleaseBundle(b, { trustedRoot, identity: { kind: 'key', publicKey }, ...extra });

  it('accepts a release signed by the pinned key and logged in the pinned log', async () => {
    const release = await verifyWith(bundle);
    expect(release.statement.predicate.version).toBe('1.0.0');
    expect(release.statement.predicate.measurements['oci.imageDigest']).toBe(`sha256:${'a'.repeat(64)}`);
    expect(release.logIndex).toBe(0);
    expect(release.signer).toMatch(/^key:[0-9a-f]{64}$/);
    expect(Math.abs(release.integratedTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(release.log.origin).toBe(log.origin);
  });

  it('rejects a tampered statement (TRANSPARENCY_BAD_SIGNATURE)', async () => {
    const tampered = clone(bundle);
    const env = tampered.dsseEnvelope as { payload: string };
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    statement.predicate.measurements.simulated = 'f'.repeat(96);
    env.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    expect(await rejection(verifyWith(tampered))).toBe('TRANSPARENCY_BAD_SIGNATURE');
  });

  it('rejects a release signed by another key (TRANSPARENCY_WRONG_IDENTITY)', async () => {
    const other = (await generateKeyFile(join(dir.path, 'other.key'))).privateKeyPath;
    const otherBundle = await signRelease(releaseStatement('6.6.6'), {
      signer: { kind: 'key', keyFile: other },
      log: { url: log.url },
    });
    expect(await rejection(verifyWith(otherBundle))).toBe('TRANSPARENCY_WRONG_IDENTITY');
    // and the right bundle against a wrongly pinned key
    const otherPem = (await loadKeyFile(other)).publicKeyPem;
    expect(
      await rejection(
        verifyReleaseBundle(bundle, { trustedRoot, identity: { kind: 'key', publicKey: otherPem } }),
      ),
    ).toBe('TRANSPARENCY_WRONG_IDENTITY');
    // a keyless identity never accepts a key-signed bundle
    expect(
      await rejection(
        verifyReleaseBundle(bundle, {
          trustedRoot,
          identity: { kind: 'keyless', san: '.*', issuer: 'https://x' },
        }),
      ),
    ).toBe('TRANSPARENCY_WRONG_IDENTITY');
  });

  it('rejects a release missing from the log (TRANSPARENCY_NOT_IN_LOG)', async () => {
    const none = clone(bundle);
    none.verificationMaterial.tlogEntries = [];
    expect(await rejection(verifyWith(none))).toBe('TRANSPARENCY_NOT_IN_LOG');
    // only a promise (SET), no inclusion proof
    const promiseOnly = clone(bundle);
    delete (promiseOnly.verificationMaterial.tlogEntries[0] as { inclusionProof?: unknown }).inclusionProof;
    expect(await rejection(verifyWith(promiseOnly))).toBe('TRANSPARENCY_NOT_IN_LOG');
    // an entry (valid, logged) for another release grafted onto this envelope
    const second = await signRelease(releaseStatement('1.0.1'), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
    });
    const grafted = clone(bundle);
    grafted.verificationMaterial.tlogEntries = clone(second.verificationMaterial.tlogEntries);
    expect(await rejection(verifyWith(grafted))).toBe('TRANSPARENCY_NOT_IN_LOG');
    // this very envelope, logged under another verifier key (invisible to a monitor of the real key)
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const relabelled = clone(bundle);
    const e = relabelled.verificationMaterial.tlogEntries[0] as { canonicalizedBody: string };
    const body = JSON.parse(Buffer.from(e.canonicalizedBody, 'base64').toString('utf8'));
    body.spec.signatures[0].verifier = Buffer.from(otherKey).toString('base64');
    e.canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
    expect(await rejection(verifyWith(relabelled))).toBe('TRANSPARENCY_NOT_IN_LOG');
  });

  it('rejects an inclusion proof for another tree (TRANSPARENCY_BAD_INCLUSION_PROOF)', async () => {
    await signRelease(releaseStatement('1.0.2'), { signer: { kind: 'key', keyFile }, log: { url: log.url } });
    // the log's current proof for the same entry, in a larger tree
    const res = (await (await fetch(`${log.url}/api/v1/log/entries?logIndex=0`)).json()) as Record<
      string,
      { verification: { inclusionProof: { hashes: string[]; rootHash: string; treeSize: number } } }
    >;
    const later = Object.values(res)[0]?.verification.inclusionProof;
    expect(later?.treeSize).toBeGreaterThan(1);
    const hex2b64 = (h: string) => Buffer.from(h, 'hex').toString('base64');
    // another tree's size and root with the original checkpoint
    const otherTree = clone(bundle);
    const proofA = otherTree.verificationMaterial.tlogEntries[0]?.inclusionProof as {
      hashes: string[];
      rootHash: string;
      treeSize: string;
    };
    proofA.hashes = (later?.hashes ?? []).map(hex2b64);
    proofA.rootHash = hex2b64(later?.rootHash ?? '');
    proofA.treeSize = String(later?.treeSize);
    expect(await rejection(verifyWith(otherTree))).toBe('TRANSPARENCY_BAD_INCLUSION_PROOF');
    // another tree's path with this checkpoint's size and root
    const otherPath = clone(bundle);
    const proofB = otherPath.verificationMaterial.tlogEntries[0]?.inclusionProof as { hashes: string[] };
    proofB.hashes = (later?.hashes ?? []).map(hex2b64);
    expect(await rejection(verifyWith(otherPath))).toBe('TRANSPARENCY_BAD_INCLUSION_PROOF');
  });

  it('rejects a checkpoint signed by another key (TRANSPARENCY_UNTRUSTED_LOG_KEY)', async () => {
    const forged = clone(bundle);
    const proof = forged.verificationMaterial.tlogEntries[0]?.inclusionProof as {
      checkpoint: { envelope: string };
    };
    const note = parseSignedNote(proof.checkpoint.envelope);
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    // same text, same name, the pinned key's hint — but the attacker's signature
    const hint = Buffer.from(log.logId, 'hex').subarray(0, 4);
    proof.checkpoint.envelope = `${note.text}\n${formatSignatureLine(log.origin, hint, sign('sha256', Buffer.from(note.text), attacker))}`;
    expect(await rejection(verifyWith(forged))).toBe('TRANSPARENCY_UNTRUSTED_LOG_KEY');
    // a bundle logged in a log the TrustedRoot does not pin
    const stranger = await startLogServer({ dataDir: join(dir.path, 'stranger') });
    try {
      const b = await signRelease(releaseStatement('1.0.0'), {
        signer: { kind: 'key', keyFile },
        log: { url: stranger.url },
      });
      expect(await rejection(verifyWith(b))).toBe('TRANSPARENCY_UNTRUSTED_LOG_KEY');
    } finally {
      await stranger.close();
    }
  });

  it('rejects a bundle listing the same log entry twice (TRANSPARENCY_DUPLICATE_TLOG_ENTRY)', async () => {
    const dup = clone(bundle);
    dup.verificationMaterial.tlogEntries = [
      ...dup.verificationMaterial.tlogEntries,
      ...clone(dup.verificationMaterial.tlogEntries),
    ];
    expect(await rejection(verifyWith(dup))).toBe('TRANSPARENCY_DUPLICATE_TLOG_ENTRY');
  });

  it('reports an unusable pinned identity as TRANSPARENCY_BAD_POLICY, not as a verdict', async () => {
    expect(
      await rejection(
        verifyReleaseBundle(bundle, { trustedRoot, identity: { kind: 'key', publicKey: 'not a key' } }),
      ),
    ).toBe('TRANSPARENCY_BAD_POLICY');
    expect(
      await rejection(
        verifyReleaseBundle(bundle, {
          trustedRoot,
          identity: { kind: 'keyless', san: '(unclosed', issuer: 'x' },
        }),
      ),
    ).toBe('TRANSPARENCY_BAD_POLICY');
  });

  it('rejects garbage as TRANSPARENCY_MALFORMED_BUNDLE', async () => {
    expect(await rejection(verifyWith({ hello: 'world' }))).toBe('TRANSPARENCY_MALFORMED_BUNDLE');
    expect(await rejection(verifyWith(null))).toBe('TRANSPARENCY_MALFORMED_BUNDLE');
  });

  it('answers attacker-shaped bundles with a TransparencyError, never another exception', async () => {
    // a logged body that is JSON null
    const nullBody = clone(bundle);
    (nullBody.verificationMaterial.tlogEntries[0] as { canonicalizedBody: string }).canonicalizedBody =
      Buffer.from('null').toString('base64');
    expect(await rejection(verifyWith(nullBody))).toBe('TRANSPARENCY_NOT_IN_LOG');
    // an RFC 3161 timestamp that is not DER (sigstore-js throws its ASN.1 parser's error)
    const badTimestamp = clone(bundle) as SigstoreBundleJson & {
      verificationMaterial: { timestampVerificationData?: unknown };
    };
    badTimestamp.verificationMaterial.timestampVerificationData = {
      rfc3161Timestamps: [{ signedTimestamp: Buffer.from('not DER').toString('base64') }],
    };
    expect(await rejection(verifyWith(badTimestamp))).toBe('TRANSPARENCY_MALFORMED_BUNDLE');
  });

  it('remembers checkpoints: a growing log is accepted, a forked one is rejected (TRANSPARENCY_LOG_FORK)', async () => {
    // log B: a copy of log A's keys (same origin, same key) with a different history
    const bDir = join(dir.path, 'log-b');
    await mkdir(bDir, { recursive: true });
    await cp(join(dir.path, 'log-a', 'keys'), join(bDir, 'keys'), { recursive: true });
    const forkLog = await startLogServer({ dataDir: bDir });
    try {
      expect(forkLog.logId).toBe(log.logId);
      const forkBundle = await signRelease(releaseStatement('9.9.9'), {
        signer: { kind: 'key', keyFile },
        log: { url: forkLog.url },
      });
      // forkBundle alone verifies: the fork is only visible to someone who saw both histories
      await verifyWith(forkBundle);

      const store = new MemoryCheckpointStore();
      const fetchConsistency = fetchConsistencyFrom(log.url);
      await verifyWith(bundle, { checkpoints: store, fetchConsistency }); // size 1
      const later = await signRelease(releaseStatement('1.0.3'), {
        signer: { kind: 'key', keyFile },
        log: { url: log.url },
      });
      await verifyWith(later, { checkpoints: store, fetchConsistency }); // size grows, proof verifies
      await verifyWith(bundle, { checkpoints: store, fetchConsistency }); // an older checkpoint is still fine
      expect(await rejection(verifyWith(forkBundle, { checkpoints: store, fetchConsistency }))).toBe(
        'TRANSPARENCY_LOG_FORK',
      );

      // two verifications at once must not both read "nothing remembered" and accept both histories
      const racing = new MemoryCheckpointStore();
      const outcomes = await Promise.allSettled([
        verifyWith(later, { checkpoints: racing, fetchConsistency }),
        verifyWith(forkBundle, { checkpoints: racing, fetchConsistency }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      expect(((outcomes[1] as PromiseRejectedResult).reason as TransparencyError).code).toBe(
        'TRANSPARENCY_LOG_FORK',
      );

      // same size, different roots: a fork without any proof needed; and the file store persists it
      const file = new FileCheckpointStore(join(dir.path, 'checkpoints.json'));
      await verifyWith(bundle, { checkpoints: file });
      const sameSize = await new FileCheckpointStore(join(dir.path, 'checkpoints.json'));
      expect(await rejection(verifyWith(forkBundle, { checkpoints: sameSize }))).toBe(
        'TRANSPARENCY_LOG_FORK',
      );
      // without a proof source a size change fails closed
      expect(
        await rejection(
          verifyWith(later, { checkpoints: new FileCheckpointStore(join(dir.path, 'checkpoints.json')) }),
        ),
      ).toBe('TRANSPARENCY_CONSISTENCY_UNAVAILABLE');
    } finally {
      await forkLog.close();
    }
  });

  it('monitorLog lists every release of the identity and flags the unexpected ones', async () => {
    const result = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'key', publicKey },
      expect: [`sha256:${'a'.repeat(64)}`],
    });
    expect(result.releases.length).toBeGreaterThanOrEqual(4);
    expect(result.releases.every((r) => r.kind === 'dsse' && r.subjectDigest === 'a'.repeat(64))).toBe(true);
    expect(result.unexpected).toEqual([]);
    const surprise = await signRelease(releaseStatement('2.0.0', '9'.repeat(64)), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
    });
    expect(surprise).toBeDefined();
    const again = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'key', publicKey },
      expect: ['a'.repeat(64)],
    });
    expect(again.unexpected.map((r) => r.version)).toEqual(['2.0.0']);
  });

  it('monitorLog flags a release whose statement lists an expected subject before an unexpected one', async () => {
    const statement = releaseStatement('3.0.0');
    statement.subject.push({ name: 'evil', digest: { sha256: '7'.repeat(64) } });
    await signRelease(statement, { signer: { kind: 'key', keyFile }, log: { url: log.url } });
    const result = await monitorLog({
      logUrl: log.url,
      trustedRoot,
      identity: { kind: 'key', publicKey },
      expect: ['a'.repeat(64)],
    });
    expect(result.unexpected.map((r) => r.version)).toContain('3.0.0');
  });

  it('monitorLog does not let the log swap an entry for another one when it serves the entry JSON', async () => {
    await signRelease(releaseStatement('4.0.0', '8'.repeat(64)), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
    });
    // a log that serves honest tiles but answers every ?logIndex= with entry 0 (an expected release)
    const proxy = createServer(async (req, res) => {
      const path = (req.url ?? '/').replace(/logIndex=\d+/, 'logIndex=0');
      const upstream = await fetch(`${log.url}${path}`);
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? '' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const options = {
        trustedRoot,
        identity: { kind: 'key', publicKey } as const,
        expect: ['a'.repeat(64)],
      };
      const honest = await monitorLog({ ...options, logUrl: log.url });
      expect(honest.unexpected.map((r) => r.version)).toContain('4.0.0');
      const lying = await monitorLog({
        ...options,
        logUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      });
      expect(lying.unexpected.map((r) => r.logIndex)).toEqual(
        expect.arrayContaining(honest.unexpected.map((r) => r.logIndex)),
      );
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('monitorLog with a checkpoint store: a log first seen empty can grow (RFC 9162: size 0 is a prefix of all)', async () => {
    const empty = await startLogServer({ dataDir: join(dir.path, 'log-empty') });
    try {
      const options = {
        logUrl: empty.url,
        trustedRoot: await fetchLogTrustedRoot(empty.url),
        identity: { kind: 'key', publicKey } as const,
        expect: ['a'.repeat(64)],
        checkpoints: new MemoryCheckpointStore(),
      };
      expect((await monitorLog(options)).treeSize).toBe(0);
      await signRelease(releaseStatement('1.0.0'), {
        signer: { kind: 'key', keyFile },
        log: { url: empty.url },
      });
      expect((await monitorLog(options)).treeSize).toBe(1);
    } finally {
      await empty.close();
    }
  });

  it('monitorLog with a checkpoint store refuses a log that rolls back to an older checkpoint to hide entries', async () => {
    const oldNote = await (await fetch(`${log.url}/checkpoint`)).text();
    const store = new MemoryCheckpointStore();
    await signRelease(releaseStatement('5.0.0', '6'.repeat(64)), {
      signer: { kind: 'key', keyFile },
      log: { url: log.url },
    });
    const options = {
      trustedRoot,
      identity: { kind: 'key', publicKey } as const,
      expect: ['a'.repeat(64)],
      checkpoints: store,
    };
    const current = await monitorLog({ ...options, logUrl: log.url });
    expect(current.unexpected.map((r) => r.version)).toContain('5.0.0');
    // the same log, answering /checkpoint with the one it signed before the surprise release
    const proxy = createServer(async (req, res) => {
      if (req.url === '/checkpoint') return void res.writeHead(200).end(oldNote);
      const upstream = await fetch(`${log.url}${req.url}`);
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? '' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const logUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      expect(await rejection(monitorLog({ ...options, logUrl }))).toBe('TRANSPARENCY_LOG_FORK');
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('trustedRootForLogs equals what the log exports', () => {
    expect(trustedRootForLogs([{ origin: log.origin, publicKeyPem: log.publicKeyPem }])).toEqual(trustedRoot);
  });
});
