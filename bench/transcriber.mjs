#!/usr/bin/env node
// The transcriber template's speech engine (pocketsphinx from Debian, behind the handler):
//   WER on 24 synthesized clinical sentences (espeak-ng, at 16/22.05/44.1/48 kHz), against the same
//   transcripts scored on rotated references (what hearing nothing useful scores);
//   baseline in the same run: the bare `pocketsphinx_continuous` on sox-resampled 16 kHz files, so
//   ours/baseline shows what the handler (our WAV reader, resampler, pipe) costs in time and in WER;
//   a ~10-minute synthesized voice note through the handler: wall time, real-time factor, peak memory
//   of this process and of the engine's processes.
// Needs pocketsphinx, pocketsphinx-en-us, espeak-ng and sox (Debian). Writes bench/results/transcriber.json.
// BLINDBOX_BENCH_LONG=0 skips the 10-minute note.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const here = dirname(fileURLToPath(import.meta.url));
const template = join(here, '..', 'templates', 'transcriber');
const load = (p) => tsImport(join(template, p), import.meta.url);
const { measureWer, formatFor } = await load('test/measure-wer.ts');
const { CLINICAL_SENTENCES } = await load('test/clinical-sentences.ts');
const { synthesize, haveProgram } = await load('test/synthesize-speech.ts');
const { wordErrorRate } = await load('test/word-error-rate.ts');
const { streamOf } = await load('test/stream-of.ts');
const { Transcriber } = await load('src/transcriber.ts');
const { PocketsphinxEngine, parseWordTimes } = await load('src/pocketsphinx-engine.ts');

for (const p of ['pocketsphinx_continuous', 'espeak-ng', 'sox'])
  if (!haveProgram(p))
    throw new Error(`${p} is not installed (apt-get install pocketsphinx pocketsphinx-en-us espeak-ng sox)`);

// 1. Ours: the handler on every sentence.
const ours = await measureWer();

// 2. Baseline: the decoder alone, on 16 kHz WAV files made by sox from the same audio.
const tmp = mkdtempSync(join(os.tmpdir(), 'blindbox-bench-stt-'));
const engineArgs = new PocketsphinxEngine().arguments();
const args = (file) => engineArgs.map((a) => (a === '/dev/stdin' ? file : a));
let baseMs = 0;
const basePairs = [];
for (const [i, reference] of CLINICAL_SENTENCES.entries()) {
  const wav = join(tmp, `s${i}.wav`);
  writeFileSync(join(tmp, `s${i}.in.wav`), synthesize(reference, formatFor(i)));
  const sox = spawnSync('sox', [join(tmp, `s${i}.in.wav`), '-r', '16000', '-c', '1', '-b', '16', wav]);
  if (sox.status !== 0) throw new Error(`sox: ${sox.stderr}`);
  const t = performance.now();
  const r = spawnSync('pocketsphinx_continuous', args(wav), { encoding: 'utf8', maxBuffer: 1 << 26 });
  baseMs += performance.now() - t;
  if (r.status !== 0) throw new Error(`pocketsphinx_continuous: ${r.stderr}`);
  basePairs.push({ reference, hypothesis: parseWordTimes(r.stdout).text });
}
const baseline = { wer: wordErrorRate(basePairs), realTimeFactor: baseMs / 1000 / ours.audioSeconds };

// 3. A voice note just under the 600 s bound: the sentences, repeated, as one recording at 44.1 kHz.
let long;
if (process.env.BLINDBOX_BENCH_LONG !== '0') {
  const perSentence = ours.audioSeconds / CLINICAL_SENTENCES.length;
  const sentences = [];
  for (let i = 0; sentences.length * perSentence < 570; i++)
    sentences.push(CLINICAL_SENTENCES[i % CLINICAL_SENTENCES.length]);
  let audio = synthesize(sentences.join(' '), { rate: 44_100 });
  while ((audio.length - 44) / 2 / 44_100 > 599) {
    sentences.pop();
    audio = synthesize(sentences.join(' '), { rate: 44_100 });
  }
  const peaks = new Map();
  const poll = setInterval(() => sampleDescendants(process.pid, peaks), 200);
  let rssPeak = 0;
  const rssPoll = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const t = performance.now();
  const out = await new Transcriber().transcribe({ audio: streamOf(audio) });
  const ms = performance.now() - t;
  clearInterval(poll);
  clearInterval(rssPoll);
  long = {
    audioSeconds: out.durationSeconds,
    wallSeconds: ms / 1000,
    realTimeFactor: ms / 1000 / out.durationSeconds,
    wer: wordErrorRate([{ reference: sentences.join(' '), hypothesis: out.text }]),
    segments: out.segments.length,
    wavBytes: audio.length,
    nodeRssPeakMiB: Math.max(rssPeak, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    engineProcessPeakMiB: Object.fromEntries([...peaks].map(([k, v]) => [k, v / 1024])),
  };
}
rmSync(tmp, { recursive: true, force: true });

/** Records the peak resident size (VmHWM, kB) of every descendant process, by command name. */
function sampleDescendants(pid, peaks) {
  let children = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`))
      children = children.concat(
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean),
      );
  } catch {
    return;
  }
  for (const child of children) {
    try {
      const status = readFileSync(`/proc/${child}/status`, 'utf8');
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '?';
      const hwm = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      peaks.set(name, Math.max(peaks.get(name) ?? 0, hwm));
    } catch {}
    sampleDescendants(child, peaks);
  }
}

const result = {
  sentences: CLINICAL_SENTENCES.length,
  audioSeconds: ours.audioSeconds,
  wer: ours.wer,
  shuffledWer: ours.shuffledWer,
  realTimeFactor: ours.realTimeFactor,
  baseline,
  werRatio: ours.wer / baseline.wer,
  realTimeFactorRatio: ours.realTimeFactor / baseline.realTimeFactor,
  cpus: os.cpus().length,
  loadAverage: os.loadavg()[0],
  long,
  results: ours.results,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'transcriber.json'), `${JSON.stringify(result, null, 2)}\n`);
const { results: _, ...summary } = result;
console.log(JSON.stringify(summary, null, 2));
