import { RuntimeError } from '../runtime-error.js';
import type { LoadedImage } from './read-oci-image.js';

/** The program and arguments of an image, checked to load nothing from outside its rootfs. */
export interface CheckedEntrypoint {
  /** Absolute path of the program inside the rootfs (`/usr/local/bin/node`), or `node` for a legacy image. */
  program: string;
  args: string[];
}

const refuse = (why: string) => new RuntimeError('RUNTIME_IMAGE_INVALID', why);

// Node options that load code or configuration from a path: their value must be a measured file.
const LOADING_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--env-file',
  '--env-file-if-exists',
  '--experimental-config-file',
  '--snapshot-blob',
  '--openssl-config',
  '--icu-data-dir',
  '--redirect-warnings',
]);

/**
 * Checks that an image's entrypoint (Entrypoint + Cmd) reaches nothing outside its rootfs. Every
 * path-like argument must be a file or folder of the image: `../../host/main.mjs`, an absolute path
 * that leaves the root through `..`, `--import=<host file>` or a `file:` URL would run a host file
 * that the measurement never covered, and a client pinning that measurement would accept it even
 * after the host file changed. `allowLegacyNode` accepts the program `node` (images built before
 * the runtime layer), only for the host-node mode.
 */
export function checkEntrypoint(image: LoadedImage, allowLegacyNode = false): CheckedEntrypoint {
  const [program, ...args] = image.entrypoint;
  if (program === undefined) throw refuse('the image has no entrypoint');
  const files = new Set(image.files.map((f) => f.path));
  const dirs = new Set<string>();
  for (const path of files) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const inImage = (p: string) => files.has(p) || dirs.has(p);
  if (!(allowLegacyNode && program === 'node')) checkProgram(image, program);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const option = arg.startsWith('-') ? (eq > 0 ? arg.slice(0, eq) : arg) : undefined;
    if (option !== undefined && LOADING_OPTIONS.has(option)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      checkLoadedValue(option, value, image.workingDir, inImage);
      continue;
    }
    checkPathLike(option !== undefined && eq > 0 ? arg.slice(eq + 1) : arg, image.workingDir, inImage);
  }
  return { program, args };
}

function checkProgram(image: LoadedImage, program: string): void {
  const rel = rootRelative(program, image.workingDir);
  const file = image.files.find((f) => f.path === rel);
  if (!program.startsWith('/') || !file || (file.mode & 0o100) === 0) {
    throw refuse(`the entrypoint program ${JSON.stringify(program)} is not an executable file of the image`);
  }
}

function checkLoadedValue(
  option: string,
  value: string | undefined,
  workingDir: string,
  inImage: (p: string) => boolean,
): void {
  if (value?.startsWith('data:')) return;
  if (value === undefined || !inImage(rootRelative(value, workingDir))) {
    throw refuse(`entrypoint option ${option} must name a file of the image, found ${JSON.stringify(value)}`);
  }
}

function checkPathLike(value: string, workingDir: string, inImage: (p: string) => boolean): void {
  if (/^file:/i.test(value)) throw refuse(`entrypoint argument ${JSON.stringify(value)} is a file: URL`);
  const segments = value.split(/[\\/]/);
  if (segments.includes('..')) {
    throw refuse(`entrypoint argument ${JSON.stringify(value)} leaves the rootfs through '..'`);
  }
  if (value.startsWith('/') && !inImage(rootRelative(value, workingDir))) {
    throw refuse(`entrypoint argument ${JSON.stringify(value)} names no file of the image`);
  }
}

/** `path` (absolute, or relative to `workingDir`) as an image path without a leading `/`. */
function rootRelative(path: string, workingDir: string): string {
  const full = path.startsWith('/') ? path : `${workingDir.replace(/\/+$/, '')}/${path}`;
  const parts = full.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw refuse(`entrypoint path ${JSON.stringify(path)} leaves the rootfs through '..'`);
  return parts.join('/');
}
