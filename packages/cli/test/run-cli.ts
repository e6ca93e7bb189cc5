import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'run.js');
const hello = join(repoRoot, 'templates', 'hello');

/** Copies the hello template's own files to `dest`: not its build output (.blindbox) nor node_modules. */
export function copyHello(dest: string): void {
  cpSync(hello, dest, {
    recursive: true,
    filter: (src) => !['.blindbox', 'node_modules'].includes(relative(hello, src).split(sep)[0] ?? ''),
  });
}

/** Runs the built `blindbox` binary (what users run) and returns its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running command whose first stdout line is JSON (e.g. `serve --json`). */
export async function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const first = once(createInterface({ input: child.stdout }), 'line').catch(() => ['']);
  const exit = once(child, 'exit').then(() => {
    throw new Error(`blindbox ${args.join(' ')} exited early: ${stderr}`);
  });
  const [line] = (await Promise.race([first, exit])) as [string];
  return {
    info: JSON.parse(line) as Record<string, string>,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      return child.exitCode;
    },
  };
}
