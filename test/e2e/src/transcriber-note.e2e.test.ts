import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSimRoot, type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLINICAL_SENTENCES } from '../../../templates/transcriber/test/clinical-sentences.js';
import { wordErrorRate } from '../../../templates/transcriber/test/word-error-rate.js';
import { buildTranscriber, speak, type TranscriberBuild } from './transcriber-project.js';

/*
 * The product's story at full length: a 10-minute voice note (synthesized, 48 kHz stereo, 115 MB)
 * transcribed through the generated client by the transcriber running in the simulated enclave
 * (its own image under runc), with the memory of both sides measured: the hospital's process holds
 * chunks, not the recording, and the enclave's Node process does not grow with it.
 */

const MiB = 2 ** 20;
const work = mkdtempSync(join(tmpdir(), 'bb-note-'));
const simRootDir = join(work, 'sim-root');
let build: TranscriberBuild;
let enclave: SimulatedEnclave;
let reference: string;
const longWav = join(work, 'note-48k-stereo.wav');
const shortWav = join(work, 'clip.wav');

/** The enclave's Node process: the one whose executable is the image's own Node binary. */
function enclavePid(rootfs: string): number {
  const node = statSync(join(rootfs, 'usr', 'local', 'bin', 'node'));
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = statSync(`/proc/${name}/exe`);
      if (exe.ino === node.ino && exe.dev === node.dev) return Number(name);
    } catch {
      // Gone, or not ours.
    }
  }
  throw new Error('the enclave process was not found');
}

/** VmRSS and VmHWM (peak) of a process, bytes; with the peak of its descendants by name. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)) {
        out.push(Number(child), ...descendants(Number(child)));
      }
    }
  } catch {
    // Exited meanwhile.
  }
  return out;
}

beforeAll(async () => {
  build = buildTranscriber('transcriber-note');
  // Sentences repeated to just under the endpoint's 600 s bound, spoken as one recording, then
  // made what a phone's recorder writes: 48 kHz stereo.
  const sentences: string[] = [];
  for (let i = 0; sentences.length < 230; i++)
    sentences.push(CLINICAL_SENTENCES[i % CLINICAL_SENTENCES.length] ?? '');
  let spoken = speak(sentences.join(' '));
  while ((spoken.length - 44) / 2 / 22_050 > 595) {
    sentences.splice(-5);
    spoken = speak(sentences.join(' '));
  }
  reference = sentences.join(' ');
  writeFileSync(join(work, 'note.wav'), spoken);
  const sox = spawnSync('sox', [join(work, 'note.wav'), '-b', '16', '-r', '48000', '-c', '2', longWav]);
  if (sox.status !== 0) throw new Error(`sox failed: ${sox.stderr}`);
  writeFileSync(shortWav, speak(CLINICAL_SENTENCES[0] ?? ''));
  enclave = await startSimulatedEnclave({
    imageDir: join(build.outDir, 'image'),
    simRootDir,
    port: 0,
    stdio: 'ignore',
  });
}, 600_000);

afterAll(async () => {
  await enclave?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a 10-minute voice note through the generated client (needs runc, espeak-ng, sox, pocketsphinx)', () => {
  it('is transcribed with bounded memory on both sides', async () => {
    const bytes = statSync(longWav).size;
    expect(bytes).toBeGreaterThan(100 * MiB);
    const pid = enclavePid(enclave.rootfs);
    const engines = new Map<number, number>();
    let serverPeak = 0;
    let serverBefore: number | undefined;
    const poll = setInterval(() => {
      try {
        serverPeak = Math.max(serverPeak, memoryOf(pid).rss);
        for (const child of descendants(pid))
          engines.set(child, Math.max(engines.get(child) ?? 0, memoryOf(child).hwm));
      } catch {
        // A helper process exited between listing and reading.
      }
    }, 100);
    const client = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'transcribe-note-client.mjs'),
        join(build.outDir, 'client', 'dist', 'index.js'),
        enclave.url,
        loadSimRoot(simRootDir).publicKey,
        shortWav,
        longWav,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    client.stdout.on('data', (d) => {
      stdout += d;
    });
    // The baseline: the enclave during its first call (the short clip), once its engine has started.
    const baseline = setInterval(() => {
      if (serverBefore === undefined && stdout === '' && engines.size > 0) serverBefore = memoryOf(pid).rss;
    }, 50);
    const code = await new Promise<number | null>((resolve) => client.on('exit', resolve));
    clearInterval(poll);
    clearInterval(baseline);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      short: { text: string; rssPeak: number };
      long: { text: string; durationSeconds: number; segments: number; rssPeak: number; ms: number };
    };
    const wer = wordErrorRate([{ reference, hypothesis: result.long.text }]);
    const engineMiB = Math.max(...engines.values()) / MiB;
    console.log(
      `${(bytes / MiB).toFixed(0)} MiB, ${result.long.durationSeconds.toFixed(0)} s note in ${(result.long.ms / 1000).toFixed(0)} s, WER ${wer.toFixed(2)}, ${result.long.segments} segments; client RSS peak ${(result.short.rssPeak / MiB).toFixed(0)} MiB after a short clip → ${(result.long.rssPeak / MiB).toFixed(0)} MiB with the note; enclave Node RSS ${((serverBefore ?? 0) / MiB).toFixed(0)} → peak ${(serverPeak / MiB).toFixed(0)} MiB; speech engine peak ${engineMiB.toFixed(0)} MiB`,
    );
    expect(result.long.durationSeconds).toBeGreaterThan(540);
    // The words came through: far better than nothing heard (1.0), near the template's measured WER.
    expect(wer).toBeLessThan(0.75);
    // Bounded: neither process grows by anything like the 115 MB it moved.
    expect(result.long.rssPeak - result.short.rssPeak).toBeLessThan(48 * MiB);
    expect(serverBefore).toBeDefined();
    expect(serverPeak - (serverBefore ?? 0)).toBeLessThan(64 * MiB);
  }, 900_000);
});
