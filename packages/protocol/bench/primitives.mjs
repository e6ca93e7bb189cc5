// Protocol primitives, each against its baseline in the same run (ratios, JSON out).
// Run: npm run build -w @blindbox/protocol && node packages/protocol/bench/primitives.mjs [out.json]
import { writeFileSync } from 'node:fs';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { gcm } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import * as protocol from '../dist/index.js';
import * as internal from '../dist/internal.js';

async function rate(fn, ms = 400) {
  for (let i = 0; i < 20; i++) await fn(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

/** Interleaved: baseline, ours, baseline, ours… three rounds; medians of ops/s. */
async function compare(name, baseline, ours) {
  const b = [];
  const o = [];
  for (let round = 0; round < 3; round++) {
    b.push(await rate(baseline));
    o.push(await rate(ours));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[1];
  const result = { name, baselineOpsPerSec: Math.round(median(b)), oursOpsPerSec: Math.round(median(o)) };
  result.speedup = Number((result.oursOpsPerSec / result.baselineOpsPerSec).toFixed(2));
  console.log(
    `${name.padEnd(58)} baseline ${String(result.baselineOpsPerSec).padStart(8)}/s  ours ${String(result.oursOpsPerSec).padStart(8)}/s  x${result.speedup}`,
  );
  return result;
}

const results = [];
const server = await protocol.generateServerKey();
const request = { endpoint: 'add', input: { a: 1, b: 2 }, requestId: 'r', sentAt: Date.now() };

// 1. X25519: pure-JS BigInt (the old path) vs WebCrypto.
const peer = x25519.getPublicKey(x25519.utils.randomSecretKey());
const sk = x25519.utils.randomSecretKey();
const pair = await internal.deriveX25519KeyPair(new Uint8Array(32).fill(3));
const nativeShared = () => internal.setupBaseSender(pair.publicKey, new Uint8Array(1), 'aes-128-gcm');
results.push(
  await compare(
    'X25519: noble (BigInt) DH vs whole HPKE sender setup (node:crypto on Node)',
    async () => x25519.getSharedSecret(sk, peer),
    nativeShared,
  ),
);

// 2. A small one-shot call, sealed and opened, with the response: @hpke/core + @hpke/dhkem-x25519 vs ours.
const old = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});
const oldPair = await old.kem.generateKeyPair();
const oldPub = await old.kem.serializePublicKey(oldPair.publicKey);
const plaintext = internal.encodeCbor(request);
async function oldCall() {
  const pk = await old.kem.deserializePublicKey(oldPub);
  const sender = await old.createSenderContext({ recipientPublicKey: pk, info: new Uint8Array(40) });
  const ct = await sender.seal(plaintext);
  const recipient = await old.createRecipientContext({
    recipientKey: oldPair,
    enc: sender.enc,
    info: new Uint8Array(40),
  });
  await recipient.open(ct);
  await recipient.export(new Uint8Array(25), 16);
  await sender.export(new Uint8Array(25), 16);
}
async function ourCall() {
  const sealed = await protocol.sealRequest(server, request);
  const opened = await protocol.openRequest(() => server, sealed.body);
  await sealed.openResponse(await opened.sealResponse({ ok: true, output: { sum: 3 } }));
}
results.push(await compare('small one-shot call (seal, open, response): @hpke vs ours', oldCall, ourCall));

// 3. A small call in a session (one AEAD each way) vs a one-shot call (ours).
const sealed = await protocol.sealRequest(server, { ...request, openSession: true });
const opened = await protocol.openRequest(() => server, sealed.body);
const clientKeys = sealed.deriveSession();
const state = { keys: opened.deriveSession(), window: new protocol.ReplayWindow() };
let seq = 0;
async function sessionCall() {
  const s = protocol.sealSessionRequest(clientKeys, seq++, request);
  const body = await internal.collectBytes(s.body, 1 << 20);
  const o = await protocol.openSessionRequest(() => state, body);
  const frames = await internal.collectBytes(o.sealResponse({ ok: true, output: { sum: 3 } }), 1 << 20);
  await s.openResponse(frames);
}
results.push(
  await compare('small call: one-shot (HPKE each call) vs session (AEAD only)', ourCall, sessionCall),
);

// 3b. The same session call with a node:crypto AEAD backend installed (what a Node runtime does).
const { createCipheriv, createDecipheriv } = await import('node:crypto');
const nodeBackend = {
  aes128Gcm: (k) => ({
    seal(n, pt, aad) {
      const c = createCipheriv('aes-128-gcm', k, n);
      c.setAAD(aad);
      const body = c.update(pt);
      c.final();
      return new Uint8Array(Buffer.concat([body, c.getAuthTag()]));
    },
    open(n, ct, aad) {
      const d = createDecipheriv('aes-128-gcm', k, n);
      d.setAAD(aad);
      d.setAuthTag(ct.subarray(ct.length - 16));
      const body = d.update(ct.subarray(0, ct.length - 16));
      d.final();
      return new Uint8Array(body);
    },
  }),
};
internal.setAeadBackend(null); // WebCrypto, for the baseline
const sealedW = await protocol.sealRequest(server, { ...request, openSession: true });
const openedW = await protocol.openRequest(() => server, sealedW.body);
const clientW = sealedW.deriveSession();
const stateW = { keys: openedW.deriveSession(), window: new protocol.ReplayWindow() };
let seqW = 0;
async function sessionCallWebCrypto() {
  const s = protocol.sealSessionRequest(clientW, seqW++, request);
  const body = await internal.collectBytes(s.body, 1 << 20);
  const o = await protocol.openSessionRequest(() => stateW, body);
  const frames = await internal.collectBytes(o.sealResponse({ ok: true, output: { sum: 3 } }), 1 << 20);
  await s.openResponse(frames);
}
internal.setAeadBackend(nodeBackend);
const sealedN = await protocol.sealRequest(server, { ...request, openSession: true });
const openedN = await protocol.openRequest(() => server, sealedN.body);
const clientN = sealedN.deriveSession();
const stateN = { keys: openedN.deriveSession(), window: new protocol.ReplayWindow() };
internal.setAeadBackend(undefined);
let seqN = 0;
async function sessionCallNode() {
  const s = protocol.sealSessionRequest(clientN, seqN++, request);
  const body = await internal.collectBytes(s.body, 1 << 20);
  const o = await protocol.openSessionRequest(() => stateN, body);
  const frames = await internal.collectBytes(o.sealResponse({ ok: true, output: { sum: 3 } }), 1 << 20);
  await s.openResponse(frames);
}
results.push(
  await compare(
    'small session call: WebCrypto AES-GCM vs node:crypto backend',
    sessionCallWebCrypto,
    sessionCallNode,
  ),
);

// 4. AES-128-GCM per message size: WebCrypto (async) vs @noble/ciphers (sync), for browsers (no node:crypto there).
const key = new Uint8Array(16).fill(1);
const nonce = new Uint8Array(12);
const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
for (const size of [64, 1024, 16 * 1024, 256 * 1024]) {
  const data = new Uint8Array(size);
  results.push(
    await compare(
      `AES-128-GCM seal ${size} B: WebCrypto vs noble`,
      () => crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, cryptoKey, data),
      async () => gcm(key, nonce).encrypt(data),
    ),
  );
}

const out = process.argv[2];
const json = JSON.stringify({ bench: 'protocol-primitives', node: process.version, results }, null, 2);
if (out) writeFileSync(out, json);
else console.log(json);
