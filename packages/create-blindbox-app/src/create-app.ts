import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answers } from './ask-questions.js';
import { checkTarget } from './check-target.js';
import { copyTemplate, rewritePackageJson } from './copy-template.js';
import { findTemplate, listTemplates, scaffolderVersion, templatesDir } from './locate-templates.js';
import { ScaffoldError } from './scaffold-error.js';

/** What {@link createApp} did. */
export interface CreatedApp {
  dir: string;
  name: string;
  template: string;
  /** Files written, relative to `dir`, sorted. */
  files: string[];
  /** The version every `@blindbox/*` dependency was pinned to. */
  blindboxVersion: string;
  installed: boolean;
  /** `initialised` (with a first commit), `staged` (git has no identity here), `skipped`, or `unavailable`. */
  git: 'initialised' | 'staged' | 'skipped' | 'unavailable';
}

/** Options of {@link createApp}: the answers, plus where relative paths start and where output goes. */
export interface CreateAppOptions extends Answers {
  /** Default: `process.cwd()`. */
  cwd?: string;
  /** Where the package manager's and git's output goes. Default: `inherit` (the terminal). */
  stdio?: 'inherit' | 'ignore';
}

/**
 * Writes a new project from a template. Every check (name, folder, template) runs before the first
 * file is written; if copying fails half way, what was created is removed again.
 */
export async function createApp(options: CreateAppOptions): Promise<CreatedApp> {
  const cwd = options.cwd ?? process.cwd();
  const target = checkTarget(options.dir, cwd);
  const template = findTemplate(options.template, listTemplates(templatesDir()));
  const blindboxVersion = scaffolderVersion();
  let files: string[];
  try {
    await mkdir(target.dir, { recursive: true });
    files = await copyTemplate(template.dir, target.dir);
    await rewritePackageJson(join(target.dir, 'package.json'), target.name, blindboxVersion);
  } catch (err) {
    // leave no half-written project behind (an existing empty folder is kept as it was)
    if (target.exists) {
      for (const f of await readdir(target.dir))
        await rm(join(target.dir, f), { recursive: true, force: true });
    } else await rm(target.dir, { recursive: true, force: true });
    throw err;
  }
  const stdio = options.stdio ?? 'inherit';
  const git = options.git ? initGit(target.dir, stdio) : 'skipped';
  let installed = false;
  if (options.install) {
    const run = spawnSync(options.pm, ['install'], {
      cwd: target.dir,
      stdio,
      shell: process.platform === 'win32',
    });
    if (run.status !== 0) {
      throw new ScaffoldError(
        'CREATE_INSTALL_FAILED',
        `${options.pm} install failed in ${target.dir} (${run.error ? run.error.message : `exit ${run.status}`}); the project is written: fix the cause and run it again`,
        1,
      );
    }
    installed = true;
  }
  return {
    dir: target.dir,
    name: target.name,
    template: template.name,
    files: files.sort(),
    blindboxVersion,
    installed,
    git,
  };
}

function initGit(dir: string, stdio: 'inherit' | 'ignore'): CreatedApp['git'] {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, stdio: 'ignore' });
  const init = git('init', '-q');
  if (init.error || init.status !== 0) return 'unavailable';
  git('add', '-A');
  // a first commit only under the user's own git identity: never invent an author
  const commit = spawnSync('git', ['commit', '-q', '-m', 'Initial commit from create-blindbox-app'], {
    cwd: dir,
    stdio: stdio === 'inherit' ? ['ignore', 'ignore', 'ignore'] : 'ignore',
  });
  return commit.status === 0 ? 'initialised' : 'staged';
}
