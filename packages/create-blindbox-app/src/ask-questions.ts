import type { Readable, Writable } from 'node:stream';
import { confirm, isCancel, select, text } from '@clack/prompts';
import { checkTarget } from './check-target.js';
import type { TemplateInfo } from './locate-templates.js';
import type { CliArguments, PackageManager } from './parse-arguments.js';
import { ScaffoldError } from './scaffold-error.js';

/** The answers the scaffolder works from, whether asked or defaulted. */
export interface Answers {
  dir: string;
  template: string;
  pm: PackageManager;
  install: boolean;
  git: boolean;
}

/** Streams of the interactive prompts (the process's own by default; tests pass a fake terminal). */
export interface PromptStreams {
  input?: Readable;
  output?: Writable;
}

export const DEFAULT_DIR = 'my-blindbox-app';

/**
 * Asks, on a terminal, for everything the command line left out: the folder, the template, whether
 * to install. Flags given on the command line are never asked again.
 */
export async function askQuestions(
  args: CliArguments,
  templates: readonly TemplateInfo[],
  defaultPm: PackageManager,
  streams: PromptStreams,
  cwd: string,
): Promise<Answers> {
  const dir =
    args.dir ??
    answer(
      await text({
        ...streams,
        message: 'Project folder',
        placeholder: DEFAULT_DIR,
        defaultValue: DEFAULT_DIR,
        validate: (value) => {
          try {
            checkTarget(value || DEFAULT_DIR, cwd);
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      }),
    );
  const template =
    args.template ??
    answer(
      await select({
        ...streams,
        message: 'Template',
        options: templates.map((t) => ({ value: t.name, label: t.name, hint: t.description })),
        initialValue: templates[0]?.name,
      }),
    );
  const install =
    args.install ??
    answer(await confirm({ ...streams, message: `Install dependencies with ${args.pm ?? defaultPm}?` }));
  return { dir, template, pm: args.pm ?? defaultPm, install, git: args.git ?? true };
}

function answer<T>(value: T): Exclude<T, symbol> {
  if (isCancel(value)) throw new ScaffoldError('CREATE_CANCELLED', 'cancelled: nothing was created', 1);
  return value as Exclude<T, symbol>;
}

/** The package manager that runs us (`npm create`, `pnpm create`, `yarn create`), from its user agent. */
export function detectPackageManager(userAgent = process.env['npm_config_user_agent'] ?? ''): PackageManager {
  if (userAgent.startsWith('pnpm/')) return 'pnpm';
  if (userAgent.startsWith('yarn/')) return 'yarn';
  return 'npm';
}
