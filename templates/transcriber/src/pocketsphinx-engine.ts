import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EndpointError } from '@blindbox/sdk';
import type { EngineTranscript, Segment, SpeechEngine } from './speech-engine.js';

/** The shell that joins the pipe (Debian's `dash`; `cat` comes from `coreutils`). */
const SHELL = '/bin/sh';

/** Where Debian's `pocketsphinx-en-us` package puts the US English model. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** Options of {@link PocketsphinxEngine}; each falls back to an environment variable, then a default. */
export interface PocketsphinxOptions {
  /** The recogniser binary. Default: `$BLINDBOX_POCKETSPHINX_BIN`, else `pocketsphinx_continuous` on PATH. */
  binary?: string;
  /**
   * A folder laid out as Debian's `pocketsphinx-en-us` (`en-us/` acoustic model, `en-us.lm.bin`
   * language model, `cmudict-en-us.dict` dictionary). Default: `$BLINDBOX_POCKETSPHINX_MODEL`, else
   * {@link DEFAULT_MODEL_DIR}. In an image this folder is part of a measured layer.
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

// Fillers the decoder emits between words: silence, breath and noise models, sentence markers.
const FILLER = /^(<s>|<\/s>|<sil>|\[[A-Z]+\]|\+\+.*\+\+)$/;
// `-time yes` prints one line per word: "word start end confidence" (seconds, seconds, 0…1).
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/;

/**
 * CMU pocketsphinx (Debian's `pocketsphinx` 5prealpha) as a child process of the enclave's own
 * process: same TEE, same measured image. The audio goes to it through a pipe, never through a
 * file, because a file system may be the host's to read.
 */
export class PocketsphinxEngine implements SpeechEngine {
  readonly binary: string;
  readonly modelDir: string;
  readonly #timeoutMs: number | undefined;
  readonly #extra: readonly string[];

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? process.env['BLINDBOX_POCKETSPHINX_BIN'] ?? 'pocketsphinx_continuous';
    this.modelDir = options.modelDir ?? process.env['BLINDBOX_POCKETSPHINX_MODEL'] ?? DEFAULT_MODEL_DIR;
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

  transcribe(pcm16k: Int16Array): Promise<EngineTranscript> {
    const timeoutMs = this.#timeoutMs ?? 60_000 + (pcm16k.length / 16) * 2;
    return new Promise((resolve, reject) => {
      // Node's stdio "pipes" are socket pairs, and pocketsphinx opens its input by name (fopen of
      // /dev/stdin), which Linux refuses for a socket: `cat |` gives it a real pipe. No file is
      // involved, so the audio never touches a file system the host may read.
      const child = spawn(SHELL, ['-c', 'cat | exec "$0" "$@"', this.binary, ...this.arguments()], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let errTail = '';
      let settled = false;
      const fail = (code: string, message: string, cause?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new EndpointError(code, message, { cause }));
      };
      const timer = setTimeout(
        () => fail('ENGINE_TIMEOUT', `recognition took more than ${timeoutMs} ms`),
        timeoutMs,
      );
      child.on('error', (err) => fail('ENGINE_FAILED', 'the speech engine did not start', err));
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
          return fail('ENGINE_UNAVAILABLE', `the speech engine ${this.binary} is not installed`, errTail);
        if (code !== 0) return fail('ENGINE_FAILED', `the speech engine exited with ${code}`, errTail);
        settled = true;
        clearTimeout(timer);
        resolve(parseWordTimes(Buffer.concat(out).toString('utf8')));
      });
      // Int16Array is host-endian; every platform Node's release builds target is little-endian.
      child.stdin.end(Buffer.from(pcm16k.buffer, pcm16k.byteOffset, pcm16k.byteLength));
    });
  }
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
