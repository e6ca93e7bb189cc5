import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * Builds in a child `node` process with its own environment (e.g. another TZ). Node 20 cannot run
 * our TypeScript (decorators, no type stripping), so the builder is first bundled from source; the
 * bundle lives under this package's node_modules so that its dependencies resolve as installed.
 */
export async function buildInChild(
  projectDir: string,
  outDir: string,
  env: Record<string, string>,
  runtimeModule?: string,
  /** Octal umask the child runs under (through /bin/sh). Default: inherited. */
  umask?: string,
): Promise<{
  imageDigest: string;
  measurements: Record<string, string>;
  timeZone: string;
  offsetMinutes: number;
  umask: number;
}> {
  const cache = join(packageDir, 'node_modules', '.cache', 'blindbox-build-test');
  await mkdir(cache, { recursive: true });
  const script = join(cache, 'build-child.mjs');
  await build({
    entryPoints: [join(packageDir, 'test', 'support', 'build-child.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@blindbox/source'],
    external: ['esbuild', 'ts-morph', 'tar-stream', 'xz-decompress'],
    logLevel: 'silent',
  });
  const args = [script, projectDir, outDir, ...(runtimeModule ? [runtimeModule] : [])];
  const [cmd, cmdArgs] =
    umask === undefined
      ? [process.execPath, args]
      : ['/bin/sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, ...args]];
  const { stdout } = await run(cmd, cmdArgs, {
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout);
}
