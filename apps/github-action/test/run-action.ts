import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const actionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(actionDir, '../..');
export const blindboxBin = join(repoRoot, 'node_modules', '.bin', 'blindbox');

/** A copy of templates/hello at `version`, inside the repository (so it finds the workspace's blindbox). */
export function makeApp(name: string, version: string): string {
  const dir = join(actionDir, '.out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const part of ['src', 'package.json', 'tsconfig.json'])
    cpSync(join(repoRoot, 'templates', 'hello', part), join(dir, part), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, name, version }, null, 2));
  return dir;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  /** Parsed GITHUB_OUTPUT: every output the action set. */
  outputs: Record<string, string>;
  summary: string;
  /** The `::error::` lines (core.setFailed). */
  errors: string[];
}

/**
 * Runs dist/index.js the way the runner does: inputs as INPUT_<NAME> variables, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, the workflow's GITHUB_* context.
 */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string>,
): Promise<ActionRun> {
  const work = join(actionDir, '.out', `run-${randomUUID()}`);
  mkdirSync(work, { recursive: true });
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const child = spawn(process.execPath, [join(actionDir, 'dist', 'index.js')], {
    cwd: work,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? work,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: work,
      ...inputEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const run: ActionRun = {
    code,
    stdout,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    errors: stdout
      .split('\n')
      .filter((l) => l.startsWith('::error::'))
      .map((l) => decodeURIComponent(l.slice('::error::'.length).replace(/%0A/g, '\n'))),
  };
  rmSync(work, { recursive: true, force: true });
  return run;
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER\nvalue\nDELIMITER\n` per output. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name, delimiter] = m as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    out[name] = value.join('\n');
  }
  return out;
}

/** `blindbox log serve --port 0` (the embedded log, through the CLI), resolved once it listens. */
export async function startEmbeddedLog(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(blindboxBin, ['log', 'serve', '--data', dataDir, '--port', '0', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line).url);
    });
    child.on('exit', (c) => reject(new Error(`blindbox log serve exited ${c}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}
