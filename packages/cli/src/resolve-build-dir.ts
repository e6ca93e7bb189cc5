import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './base-command.js';

/** The default build output folder of a project. */
export function defaultOutDir(projectDir: string): string {
  return join(resolve(projectDir), '.blindbox', 'build');
}

/** What `blindbox build` wrote in `build.json`. */
export interface BuildSummary {
  app: string;
  version: string;
  imageDigest: string;
  measurements: Record<string, string>;
}

/** Accepts a build folder or a project folder (then its `.blindbox/build`); checks it holds a build. */
export function resolveBuildDir(dir: string): { buildDir: string; summary: BuildSummary } {
  const candidates = [resolve(dir), defaultOutDir(dir)];
  const buildDir = candidates.find(
    (d) => existsSync(join(d, 'build.json')) && existsSync(join(d, 'image', 'index.json')),
  );
  if (!buildDir) {
    throw new UsageError(
      `${dir} holds no BlindBox build (no build.json and image/); run \`blindbox build\` first`,
      'CLI_NO_BUILD',
    );
  }
  return {
    buildDir,
    summary: JSON.parse(readFileSync(join(buildDir, 'build.json'), 'utf8')) as BuildSummary,
  };
}
