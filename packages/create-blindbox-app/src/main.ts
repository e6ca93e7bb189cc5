import type { Readable, Writable } from 'node:stream';
import { type Answers, askQuestions, DEFAULT_DIR, detectPackageManager } from './ask-questions.js';
import { checkTarget } from './check-target.js';
import { type CreatedApp, createApp } from './create-app.js';
import { findTemplate, listTemplates, scaffolderVersion, TEMPLATE_ORDER } from './locate-templates.js';
import { type CliArguments, parseArguments, USAGE } from './parse-arguments.js';
import { ScaffoldError } from './scaffold-error.js';

/** Where the command reads and writes; the process's own by default. */
export interface MainIo {
  stdin?: Readable & { isTTY?: boolean };
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable;
  cwd?: string;
  /** Output of the package manager and git. Default: `inherit`. */
  childStdio?: 'inherit' | 'ignore';
}

/**
 * `create-blindbox-app [dir] [-t template] [--pm npm|pnpm|yarn] [--no-install] [--no-git] [--yes]`.
 * Prompts only when both stdin and stdout are terminals and `--yes` is absent, so CI never waits.
 * Returns the exit code: 0 created, 2 bad input (nothing created), 1 anything else.
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwd = io.cwd ?? process.cwd();
  try {
    const args = parseArguments(argv);
    if (args.help) {
      stdout.write(USAGE);
      return 0;
    }
    if (args.version) {
      stdout.write(`${scaffolderVersion()}\n`);
      return 0;
    }
    const templates = listTemplates();
    // what the flags say is checked before any prompt, so a bad flag never costs an answer
    if (args.template !== undefined) findTemplate(args.template, templates);
    if (args.dir !== undefined) checkTarget(args.dir, cwd);
    const interactive = !args.yes && stdin.isTTY === true && stdout.isTTY === true;
    const defaultPm = detectPackageManager();
    const answers: Answers = interactive
      ? await askQuestions(args, templates, defaultPm, { input: stdin, output: stdout }, cwd)
      : defaults(args, defaultPm);
    const created = await createApp({ ...answers, cwd, stdio: io.childStdio ?? 'inherit' });
    stdout.write(nextSteps(created, answers, cwd));
    return 0;
  } catch (err) {
    if (err instanceof ScaffoldError) {
      stderr.write(`create-blindbox-app: ${err.message}\n`);
      return err.exitCode;
    }
    stderr.write(`create-blindbox-app: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

function defaults(args: CliArguments, pm: Answers['pm']): Answers {
  return {
    dir: args.dir ?? DEFAULT_DIR,
    template: args.template ?? TEMPLATE_ORDER[0],
    pm: args.pm ?? pm,
    install: args.install ?? true,
    git: args.git ?? true,
  };
}

function nextSteps(created: CreatedApp, answers: Answers, cwd: string): string {
  const run = (script: string) => (answers.pm === 'npm' ? `npm run ${script}` : `${answers.pm} ${script}`);
  const rel = created.dir.startsWith(`${cwd}/`) ? created.dir.slice(cwd.length + 1) : created.dir;
  const lines = [
    '',
    `Created ${created.name} from the ${created.template} template (@blindbox/* ${created.blindboxVersion}).`,
    '',
    'Next steps:',
    ...(created.dir === cwd ? [] : [`  cd ${rel}`]),
    ...(created.installed ? [] : [`  ${answers.pm} install`]),
    `  ${answers.pm} test`,
    `  ${run('build')}      # image, measurements, release statement, typed client`,
    `  ${run('serve')}      # the app in the local simulated TEE`,
    '',
    'README.md says what comes next, including signed releases from CI.',
    '',
  ];
  return lines.join('\n');
}
