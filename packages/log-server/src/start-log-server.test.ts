import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { hexDecode as fromHex } from '@blindbox/bytes';
import {
  hashLeaf,
  MemoryHashStorage,
  MerkleTree,
  parseCheckpoint,
  parseSignedNote,
  splitEntryBundle,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifySignedNote,
} from '@blindbox/transparency/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures.js';
import { dsseEntry, hashedRekord, post } from '../test/rekor-requests.js';
import { loadOrCreateLogKeys } from './log-keys.js';
import { type RunningLogServer, startLogServer } from './start-log-server.js';

type EntryJson = {
  body: string;
  logIndex: number;
  verification: {
    inclusionProof: { hashes: string[]; rootHash: string; treeSize: number; checkpoint: string };
  };
};
const only = (json: Record<string, unknown>) => Object.values(json)[0] as EntryJson;

describe('the embedded log server', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let log: RunningLogServer;
  const dataDir = () => join(dir.path, 'log');
  beforeAll(async () => {
    dir = await tempDir('log-server');
    log = await startLogServer({ dataDir: dataDir() });
  });
  afterAll(async () => {
    await log.close();
    await dir.remove();
  });

  it('refuses malformed, badly signed and oversized entries with a JSON error', async () => {
    expect((await post(log.url, 'not json')).json).toMatchObject({ code: 400, error: 'LOG_MALFORMED_ENTRY' });
    expect((await post(log.url, { kind: 'rekord', apiVersion: '0.0.1', spec: {} })).status).toBe(400);
    const bad = hashedRekord();
    bad.spec.data.hash.value = '0'.repeat(64);
    expect((await post(log.url, bad)).json).toMatchObject({ code: 400, error: 'LOG_BAD_ENTRY_SIGNATURE' });
    const big = await post(log.url, { ...hashedRekord(), padding: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
    expect(big.json['error']).toBe('LOG_ENTRY_TOO_LARGE');
    expect((await fetch(`${log.url}/nope`)).status).toBe(404);
  });

  it('refuses a dsse entry whose verifiers × signatures would cost minutes of signature checks', async () => {
    // every signature is tried against every verifier: a 128 KiB request could ask for ~10^5 ECDSA checks
    const pem = () =>
      Buffer.from(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
      ).toString('base64');
    const manyVerifiers = dsseEntry();
    const v = manyVerifiers.spec.proposedContent.verifiers;
    v.unshift(...Array.from({ length: 40 }, pem));
    expect((await post(log.url, manyVerifiers)).json).toMatchObject({
      code: 400,
      error: 'LOG_MALFORMED_ENTRY',
    });
    const manySignatures = dsseEntry();
    const envelope = JSON.parse(manySignatures.spec.proposedContent.envelope);
    envelope.signatures = Array.from({ length: 40 }, () => envelope.signatures[0]);
    manySignatures.spec.proposedContent.envelope = JSON.stringify(envelope);
    expect((await post(log.url, manySignatures)).json).toMatchObject({
      code: 400,
      error: 'LOG_MALFORMED_ENTRY',
    });
  });

  it('answers 201 with a verifiable inclusion proof and signed checkpoint, and 409 for a duplicate', async () => {
    const proposed = hashedRekord();
    const created = await post(log.url, proposed);
    expect(created.status).toBe(201);
    const entry = only(created.json);
    const proof = entry.verification.inclusionProof;
    const leaf = hashLeaf(Buffer.from(entry.body, 'base64'));
    expect(
      verifyInclusionProof(
        entry.logIndex,
        proof.treeSize,
        leaf,
        proof.hashes.map(fromHex),
        fromHex(proof.rootHash),
      ),
    ).toBe(true);
    const keys = loadOrCreateLogKeys(dataDir());
    const note = parseSignedNote(proof.checkpoint);
    // both signature lines verify: the ECDSA one (Rekor hint) and the Ed25519 one (C2SP key ID)
    expect(verifySignedNote(note, { name: log.origin, ecdsaSpki: keys.ecdsaPublicSpki })).toBe(true);
    expect(verifySignedNote(note, { name: log.origin, ed25519: keys.ed25519Public })).toBe(true);
    expect(
      verifySignedNote(note, {
        name: log.origin,
        ecdsaSpki: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
          type: 'spki',
          format: 'der',
        }),
      }),
    ).toBe(false);
    expect(note.signatures.map((s) => Buffer.from(s.keyHint).toString('hex'))[0]).toBe(log.logId.slice(0, 8));
    const dup = await post(log.url, proposed);
    expect(dup.status).toBe(409);
    expect(dup.location).toMatch(/^\/api\/v1\/log\/entries\/[0-9a-f]{64}$/);
    const fetched = await fetch(`${log.url}${dup.location}`);
    expect(only((await fetched.json()) as Record<string, unknown>).logIndex).toBe(entry.logIndex);
  });

  it('serves C2SP tiles, entry bundles and consistency proofs that match the signed tree', async () => {
    // cross a full tile: 600 concurrent appends are group-committed
    const results = await Promise.all(Array.from({ length: 600 }, () => post(log.url, dsseEntry())));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => only(r.json).logIndex)).size).toBe(600);
    const cpText = await (await fetch(`${log.url}/checkpoint`)).text();
    const cp = parseCheckpoint(parseSignedNote(cpText).text);
    expect(cp.origin).toBe(log.origin);
    expect(cp.size).toBe(601);
    // rebuild the tree from the entry bundles alone
    const tree = new MerkleTree(new MemoryHashStorage());
    for (const [path, n] of [
      ['000', 256],
      ['001', 256],
      ['002.p/89', 89],
    ] as const) {
      const res = await fetch(`${log.url}/tile/entries/${path}`);
      expect(res.status).toBe(200);
      const bodies = splitEntryBundle(new Uint8Array(await res.arrayBuffer()));
      expect(bodies).toHaveLength(n);
      tree.append(bodies.map(hashLeaf));
    }
    expect(Buffer.from(tree.rootHash()).equals(Buffer.from(cp.rootHash))).toBe(true);
    // hash tiles: level 0 holds the leaf hashes, level 1 the roots of full level-0 tiles
    const t0 = new Uint8Array(await (await fetch(`${log.url}/tile/0/001`)).arrayBuffer());
    expect(t0.length).toBe(256 * 32);
    expect(Buffer.from(t0.subarray(0, 32)).equals(Buffer.from(tree.nodeHash(0, 256)))).toBe(true);
    const t1 = new Uint8Array(await (await fetch(`${log.url}/tile/1/000.p/2`)).arrayBuffer());
    expect(Buffer.from(t1.subarray(32)).equals(Buffer.from(tree.nodeHash(8, 1)))).toBe(true);
    expect((await fetch(`${log.url}/tile/0/002`)).status).toBe(404);
    expect((await fetch(`${log.url}/tile/0/x001/000`)).status).toBe(404);
    // Rekor's consistency endpoint
    const proof = (await (await fetch(`${log.url}/api/v1/log/proof?firstSize=7&lastSize=601`)).json()) as {
      hashes: string[];
      rootHash: string;
    };
    expect(verifyConsistencyProof(7, 601, tree.rootHash(7), cp.rootHash, proof.hashes.map(fromHex))).toBe(
      true,
    );
    expect((await fetch(`${log.url}/api/v1/log/proof?firstSize=7&lastSize=9999`)).status).toBe(400);
    const info = (await (await fetch(`${log.url}/api/v1/log`)).json()) as {
      treeSize: number;
      signedTreeHead: string;
    };
    expect(info.treeSize).toBe(601);
    expect(info.signedTreeHead).toBe(cpText);
  });

  it('keeps its entries, keys and checkpoint across a restart', async () => {
    const before = await (await fetch(`${log.url}/checkpoint`)).text();
    const origin = log.origin;
    await log.close();
    log = await startLogServer({ dataDir: dataDir() });
    expect(log.origin).toBe(origin);
    expect(await (await fetch(`${log.url}/checkpoint`)).text()).toBe(before);
    const next = await post(log.url, hashedRekord());
    expect(only(next.json).logIndex).toBe(601);
  });
});
