import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as core from '@actions/core';
import { ActionError } from './action-error.js';

/** What `blindbox build --json` reports. */
export interface BuildSummary {
  app: string;
  version: string;
  outDir: string;
  imageDigest: string;
  measurements: Record<string, string>;
}

/**
 * The app's own `blindbox` (its `@blindbox/cli` devDependency), found from the app folder upwards as
 * npm does: the release is built with the builder version the app pins, not one the action brings.
 */
export function findBlindbox(appDir: string): string {
  for (let dir = appDir; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'blindbox');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) break;
  }
  throw new ActionError(
    'ACTION_NO_BLINDBOX',
    `no blindbox CLI in node_modules above ${appDir}: add @blindbox/cli to the app's devDependencies and run \`npm ci\` before this step`,
  );
}

/** Runs `blindbox build <app> --json`, streaming its errors into the job log. */
export async function buildApp(appDir: string): Promise<{ summary: BuildSummary; statement: unknown }> {
  const bin = findBlindbox(appDir);
  core.info(`$ ${bin} build ${appDir} --json`);
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(bin, ['build', appDir, '--json'], {
      cwd: appDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out }));
  });
  let parsed: Partial<BuildSummary> & { error?: { code?: string; message?: string } };
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new ActionError(
      'ACTION_BUILD_FAILED',
      `blindbox build exited ${code} without a JSON report: ${stdout.slice(0, 2000)}`,
    );
  }
  if (code !== 0 || parsed.error || !parsed.outDir || !parsed.imageDigest || !parsed.measurements) {
    throw new ActionError(
      'ACTION_BUILD_FAILED',
      `blindbox build failed (exit ${code}): ${parsed.error?.code ?? ''} ${parsed.error?.message ?? stdout.slice(0, 2000)}`.trim(),
    );
  }
  const summary = parsed as BuildSummary;
  const statement: unknown = JSON.parse(await readFile(join(summary.outDir, 'release.json'), 'utf8'));
  return { summary, statement };
}
