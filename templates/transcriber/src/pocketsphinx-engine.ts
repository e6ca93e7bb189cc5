import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { EndpointError } from '@blindbox/sdk';
import type { EngineTranscript, Segment, SpeechEngine } from './speech-engine.js';

/**
 * Where the image holds the engine: the decoder, its shared libraries and the pipe's shell come from
 * the Debian packages pinned in `blindbox.lock` (the libs layer), the model from the `model` asset
 * (`blindbox.config.json`, the assets layer, read at `/assets/<path in the project>`). All measured.
 */
export const IMAGE_ENGINE = {
  binary: '/usr/bin/pocketsphinx_continuous',
  modelDir: '/assets/model/pocketsphinx-en-us',
  path: '/usr/bin:/bin',
} as const;

/** Where Debian's `pocketsphinx` and `pocketsphinx-en-us` put them on a developer machine. */
export const DEBIAN_ENGINE = {
  binary: 'pocketsphinx_continuous',
  modelDir: '/usr/share/pocketsphinx/model/en-us',
} as const;

/** The shell that joins the pipe (Debian's `dash`, in the image as `/bin/sh`; `cat` from `coreutils`). */
const SHELL = '/bin/sh';

/** Options of {@link PocketsphinxEngine}. */
export interface PocketsphinxOptions {
  /** The recogniser binary. Default: see {@link resolveEngineFiles}. */
  binary?: string;
  /**
   * A folder laid out as Debian's `pocketsphinx-en-us` (`en-us/` acoustic model, `en-us.lm.bin`
   * language model, `cmudict-en-us.dict` dictionary). Default: see {@link resolveEngineFiles}.
   */
  modelDir?: string;
  /**
   * More decoder flags, appended as they are (for example `-cmninit` with the cepstral mean of the
   * microphones a hospital uses, or `-lm`/`-dict` again to override the model's files). Default: none.
   */
  extraArguments?: readonly string[];
  /** The longest one recognition may take before the process is killed. Default: 60 s + 2 × the audio. */
  timeoutMs?: number;
}

/**
 * Which files the engine runs. In the image (`NODE_ENV=production`, which only the image's config
 * sets) always the image's own, {@link IMAGE_ENGINE}: the environment is the host's to choose and is
 * not measured, so no variable can point the engine elsewhere. Outside the image (the template's
 * tests and benchmark, which call the handler in-process on the host): the options, then
 * `$BLINDBOX_POCKETSPHINX_BIN` / `$BLINDBOX_POCKETSPHINX_MODEL`, then the image's model folder if this
 * machine has one, else Debian's paths, {@link DEBIAN_ENGINE}.
 */
export function resolveEngineFiles(
  options: Pick<PocketsphinxOptions, 'binary' | 'modelDir'> = {},
  env: Record<string, string | undefined> = process.env,
): { binary: string; modelDir: string; path: string } {
  if (env['NODE_ENV'] === 'production') {
    return {
      binary: options.binary ?? IMAGE_ENGINE.binary,
      modelDir: options.modelDir ?? IMAGE_ENGINE.modelDir,
      path: IMAGE_ENGINE.path,
    };
  }
  const staged = existsSync(join(IMAGE_ENGINE.modelDir, 'en-us.lm.bin'));
  return {
    binary: options.binary ?? env['BLINDBOX_POCKETSPHINX_BIN'] ?? DEBIAN_ENGINE.binary,
    modelDir:
      options.modelDir ??
      env['BLINDBOX_POCKETSPHINX_MODEL'] ??
      (staged ? IMAGE_ENGINE.modelDir : DEBIAN_ENGINE.modelDir),
    path: env['PATH'] ?? IMAGE_ENGINE.path,
  };
}

// Fillers the decoder emits between words: silence, breath and noise models, sentence markers.
const FILLER = /^(<s>|<\/s>|<sil>|\[[A-Z]+\]|\+\+.*\+\+)$/;
// `-time yes` prints one line per word: "word start end confidence" (seconds, seconds, 0…1).
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/;

/**
 * CMU pocketsphinx (Debian's `pocketsphinx` 5prealpha) as a child process of the enclave's own
 * process: same TEE, same measured image. The audio goes to it through a pipe as it arrives, never
 * through a file, because a file system may be the host's to read.
 */
export class PocketsphinxEngine implements SpeechEngine {
  readonly binary: string;
  readonly modelDir: string;
  readonly #path: string;
  readonly #timeoutMs: number | undefined;
  readonly #extra: readonly string[];

  constructor(options: PocketsphinxOptions = {}) {
    const files = resolveEngineFiles(options);
    this.binary = files.binary;
    this.modelDir = files.modelDir;
    this.#path = files.path;
    this.#timeoutMs = options.timeoutMs;
    this.#extra = options.extraArguments ?? [];
  }

  /** The arguments the recogniser runs with (raw 16 kHz mono s16le on stdin, word times on stdout). */
  arguments(): string[] {
    return [
      '-infile',
      '/dev/stdin', // a name without ".wav": read as raw little-endian PCM at -samprate
      '-samprate',
      '16000',
      '-hmm',
      join(this.modelDir, 'en-us'),
      '-lm',
      join(this.modelDir, 'en-us.lm.bin'),
      '-dict',
      join(this.modelDir, 'cmudict-en-us.dict'),
      '-time',
      'yes',
      '-logfn',
      '/dev/null',
      ...this.#extra,
    ];
  }

  transcribe(pcm16k: AsyncIterable<Int16Array>, durationSeconds: number): Promise<EngineTranscript> {
    const timeoutMs = this.#timeoutMs ?? 60_000 + durationSeconds * 2000;
    return new Promise((resolve, reject) => {
      // Node's stdio "pipes" are socket pairs, and pocketsphinx opens its input by name (fopen of
      // /dev/stdin), which Linux refuses for a socket: `cat |` gives it a real pipe. No file is
      // involved, so the audio never touches a file system the host may read. Only PATH is passed:
      // nothing of the enclave's environment reaches the decoder.
      const child = spawn(SHELL, ['-c', 'cat | exec "$0" "$@"', this.binary, ...this.arguments()], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: this.#path },
      });
      const out: Buffer[] = [];
      let errTail = '';
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      const failWith = (code: string, message: string, cause?: unknown) =>
        fail(new EndpointError(code, message, { cause }));
      const timer = setTimeout(
        () => failWith('ENGINE_TIMEOUT', `recognition took more than ${timeoutMs} ms`),
        timeoutMs,
      );
      child.on('error', (err) => failWith('ENGINE_FAILED', 'the speech engine did not start', err));
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      // Keep only the end of stderr: enough to diagnose, bounded whatever the engine prints.
      child.stderr.on('data', (chunk: Buffer) => {
        errTail = (errTail + chunk.toString('utf8')).slice(-2000);
      });
      // A decoder that exits early closes the pipe: that is reported by the exit code, not as EPIPE.
      child.stdin.on('error', () => {});
      child.on('close', (code) => {
        if (settled) return;
        // 127 and 126: the shell found no such program, or could not run it.
        if (code === 127 || code === 126)
          return failWith('ENGINE_UNAVAILABLE', `the speech engine ${this.binary} is not installed`, errTail);
        if (code !== 0) return failWith('ENGINE_FAILED', `the speech engine exited with ${code}`, errTail);
        settled = true;
        clearTimeout(timer);
        resolve(parseWordTimes(Buffer.concat(out).toString('utf8')));
      });
      feed(child.stdin, pcm16k, () => settled).catch(fail);
    });
  }
}

/**
 * Writes the pieces to the decoder as they come, waiting for the pipe to drain (bounded memory: the
 * upload is read no faster than the decoder takes it), then closes its input. Stops early when the
 * recognition already ended (`done()`), for example because the decoder died.
 */
async function feed(stdin: Writable, pieces: AsyncIterable<Int16Array>, done: () => boolean): Promise<void> {
  for await (const piece of pieces) {
    if (done() || stdin.destroyed) return;
    // Int16Array is host-endian; every platform Node's release builds target is little-endian.
    if (!stdin.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))) {
      // A pipe error (the decoder exited) ends the wait too; its exit code reports it.
      await new Promise<void>((resolve) => {
        const go = () => {
          stdin.off('drain', go).off('close', go).off('error', go);
          resolve();
        };
        stdin.on('drain', go).on('close', go).on('error', go);
      });
    }
  }
  stdin.end();
}

/**
 * Turns pocketsphinx's `-time yes` output into segments: one segment per utterance (from `<s>` to
 * `</s>`, which the decoder's voice-activity detector delimits), fillers dropped, alternative
 * pronunciation markers (`word(2)`) stripped. Hypothesis lines (no times) are ignored: the word
 * lines carry the same words.
 */
export function parseWordTimes(output: string): EngineTranscript {
  const segments: Segment[] = [];
  let words: string[] = [];
  let start = -1;
  let end = 0;
  const flush = () => {
    if (words.length > 0) segments.push({ start, end, text: words.join(' ') });
    words = [];
    start = -1;
  };
  for (const line of output.split('\n')) {
    const m = WORD_LINE.exec(line.trim());
    if (!m) continue;
    const [, raw = '', from = '0', to = '0'] = m;
    if (raw === '<s>') flush();
    if (FILLER.test(raw)) continue;
    if (start < 0) start = Number(from);
    end = Number(to);
    words.push(raw.replace(/\(\d+\)$/, ''));
  }
  flush();
  return { text: segments.map((s) => s.text).join(' '), segments };
}
