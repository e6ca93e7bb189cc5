import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './build-hello.js';

/** The template's own files a vendor's repository holds (no build output, no staged model). */
const PROJECT_FILES = [
  'src',
  'web',
  'scripts',
  'package.json',
  'blindbox.config.json',
  'blindbox.lock',
  'model.lock.json',
  'tsconfig.json',
  'tsconfig.web.json',
];

export interface TranscriberBuild {
  /** The project folder (the copy). */
  dir: string;
  /** Its `.blindbox/build`. */
  outDir: string;
  measurements: Record<string, string>;
}

/**
 * Copies templates/transcriber into test/e2e/.out/<name> (inside the workspace, so that the
 * generated client resolves `@blindbox/client` as in an app) and runs its own `npm run build`: the
 * model staged from its pinned Debian package, the image, the typed client, the page bundle.
 * `tamper` edits the copy's handler first (a build whose measurement the page must refuse).
 */
export function buildTranscriber(name: string, tamper?: (source: string) => string): TranscriberBuild {
  const dir = join(repoRoot, 'test', 'e2e', '.out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of PROJECT_FILES)
    cpSync(join(repoRoot, 'templates', 'transcriber', f), join(dir, f), { recursive: true });
  rmSync(join(dir, 'web', 'dist'), { recursive: true, force: true });
  if (tamper) {
    const file = join(dir, 'src', 'transcriber.ts');
    const before = readFileSync(file, 'utf8');
    const after = tamper(before);
    if (after === before) throw new Error('the tamper function changed nothing');
    writeFileSync(file, after);
  }
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, encoding: 'utf8' });
  if (built.status !== 0)
    throw new Error(`npm run build failed in ${dir}:\n${built.stdout}\n${built.stderr}`);
  const outDir = join(dir, '.blindbox', 'build');
  const release = JSON.parse(readFileSync(join(outDir, 'release.json'), 'utf8'));
  return { dir, outDir, measurements: release.predicate.measurements };
}

/** A WAV of `text` spoken by espeak-ng (22 050 Hz mono), sizes fixed (espeak-ng writes to a pipe). */
export function speak(text: string): Buffer {
  const r = spawnSync('espeak-ng', ['-v', 'en-us+klatt2', '-s', '140', '--stdout', text], {
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`espeak-ng failed: ${r.stderr}`);
  const wav = r.stdout;
  wav.writeUInt32LE(wav.length - 8, 4);
  wav.writeUInt32LE(wav.length - 44, 40);
  return wav;
}
