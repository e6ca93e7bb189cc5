#!/usr/bin/env node
// Median verification time of the real SEV-SNP and Nitro vectors with @blindbox/attestation, and of
// the same Nitro document with @evervault/wasm-attestation-bindings, in one run on one machine.
// Run after a build: `npx turbo run build --filter=@blindbox/attestation && node bench/attestation.mjs`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyNitroDocument, verifySnpEvidence } from '@blindbox/attestation';
import { clearSignatureCaches } from '@blindbox/attestation/internal';

const here = dirname(fileURLToPath(import.meta.url));
const VECTORS = process.env.BLINDBOX_VECTORS ?? join(here, '../vectors');
const ITERATIONS = Number(process.env.BLINDBOX_BENCH_ITERATIONS ?? 300);
const WARMUP = 30;
const vector = (p) => new Uint8Array(readFileSync(join(VECTORS, p)));
const expected = JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8'));

async function median(fn, { before } = {}) {
  for (let i = 0; i < WARMUP; i++) {
    before?.();
    await fn();
  }
  const samples = [];
  for (let i = 0; i < ITERATIONS; i++) {
    before?.();
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[samples.length >> 1],
    p90Ms: samples[Math.floor(samples.length * 0.9)],
    samples: samples.length,
  };
}

// SEV-SNP: the Milan report with its VCEK and the ASK/ARK, at the README's verification time.
const milan = expected['sev-snp/milan-valid'];
const snpReport = new Uint8Array(
  Buffer.from(readFileSync(join(VECTORS, milan.files.report), 'utf8').trim(), 'hex'),
);
const snpOptions = {
  at: new Date(milan.at),
  collateral: {
    vcek: vector(milan.files.vcek),
    certChain: readFileSync(join(VECTORS, milan.files.chain), 'utf8'),
  },
};
const snp = () => verifySnpEvidence(snpReport, snpOptions);

// Nitro: the valid document, its PCR0..2, at the README's verification time.
const nitroCase = expected['nitro/valid'];
const nitroDoc = vector(nitroCase.files.document);
const nitroAt = new Date(nitroCase.at);
const pcrs = [{ 0: nitroCase.fields.pcr0, 1: nitroCase.fields.pcr1, 2: nitroCase.fields.pcr2 }];
const nitro = () => verifyNitroDocument(nitroDoc, { at: nitroAt, pcrs });

await snp();
await nitro();

const results = {
  machine: {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.arch()}`,
  },
  iterations: ITERATIONS,
  snp: {
    // Warm: the VCEK → ASK → ARK signatures were checked once and are cached per certificate; each
    // verification still checks validity at `at`, parses everything and verifies the report signature.
    warm: await median(snp),
    // Uncached: every certificate signature (3 × RSA-PSS-4096) and key import redone each time.
    uncached: await median(snp, { before: clearSignatureCaches }),
  },
  nitro: {
    warm: await median(nitro),
    uncached: await median(nitro, { before: clearSignatureCaches }),
  },
};

// Evervault's bindings read the clock through Date.now() and take no verification time, so the
// expired 2022 chain fails at today's date. Pin Date.now to the same verification time while they
// run, so both verifiers do the same work on the same document at the same time.
let evervault;
try {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@evervault/wasm-attestation-bindings'));
  const wasm = await import(join(dir, 'index.js'));
  wasm.initSync({ module: readFileSync(join(dir, 'index_bg.wasm')) });
  const docBase64 = Buffer.from(nitroDoc).toString('base64');
  // wasm-bindgen moves the PCRs objects into the call, so each call needs fresh ones.
  const expectedPcrs = () => {
    const p = wasm.PCRs.empty();
    p.pcr0 = nitroCase.fields.pcr0;
    p.pcr1 = nitroCase.fields.pcr1;
    p.pcr2 = nitroCase.fields.pcr2;
    return p;
  };
  const realNow = Date.now;
  const run = () => wasm.validateAttestationDocPcrs(docBase64, [expectedPcrs()]);
  Date.now = () => nitroAt.getTime();
  let accepted;
  let timing;
  try {
    accepted = run();
    timing = await median(run);
  } finally {
    Date.now = realNow;
  }
  const atRealTime = (() => {
    const errors = console.error;
    console.error = () => {};
    try {
      return run();
    } finally {
      console.error = errors;
    }
  })();
  evervault = {
    package: `@evervault/wasm-attestation-bindings@${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version}`,
    function: 'validateAttestationDocPcrs (base64 document, PCR0..2)',
    acceptedAtVerificationTime: accepted,
    acceptedAtRealTime: atRealTime,
    note: 'takes no verification time; Date.now() pinned to the verification time while it runs (it verifies the COSE signature and the whole cabundle chain on every call: nothing cached)',
    ...timing,
  };
} catch (err) {
  evervault = { error: String(err) };
}
results.evervault = evervault;
if (evervault.medianMs) {
  results.ratios = {
    nitroWarmVsEvervault: results.nitro.warm.medianMs / evervault.medianMs,
    nitroUncachedVsEvervault: results.nitro.uncached.medianMs / evervault.medianMs,
  };
}
results.targets = {
  snpUnder5ms: results.snp.warm.medianMs < 5,
  nitroUnder5ms: results.nitro.warm.medianMs < 5,
  notSlowerThanEvervault: results.ratios ? results.ratios.nitroWarmVsEvervault <= 1 : null,
};

const fmt = (x) => `${x.toFixed(3)} ms`;
console.log(
  `attestation benchmark (${ITERATIONS} iterations, median; ${results.machine.cpu}, ${results.machine.cpus} cores, Node ${process.version})`,
);
console.log(
  `  SEV-SNP Milan report   warm ${fmt(results.snp.warm.medianMs)}   uncached chain ${fmt(results.snp.uncached.medianMs)}`,
);
console.log(
  `  Nitro document         warm ${fmt(results.nitro.warm.medianMs)}   uncached chain ${fmt(results.nitro.uncached.medianMs)}`,
);
if (evervault.medianMs) {
  console.log(
    `  evervault (same doc)   ${fmt(evervault.medianMs)}   (accepted: ${evervault.acceptedAtVerificationTime})`,
  );
  console.log(
    `  ratio ours/evervault   warm ${results.ratios.nitroWarmVsEvervault.toFixed(2)}   uncached ${results.ratios.nitroUncachedVsEvervault.toFixed(2)}`,
  );
} else {
  console.log(`  evervault: ${evervault.error}`);
}
const out = join(here, 'results', 'attestation.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`  wrote ${out}`);
