import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildResult, buildApp } from '@blindbox/builder';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Builds templates/hello into a folder inside this workspace (so that the generated client resolves
 * `@blindbox/client` from the repository's node_modules, as it would from an app's).
 */
export async function buildHello(name: string): Promise<BuildResult> {
  const work = join(repoRoot, 'test', 'e2e', '.out', name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(repoRoot, 'templates', 'hello', 'src'), join(work, 'project', 'src'), { recursive: true });
  cpSync(join(repoRoot, 'templates', 'hello', 'package.json'), join(work, 'project', 'package.json'));
  return buildApp({ projectDir: join(work, 'project'), outDir: join(work, 'build') });
}
