import { parseArgs } from 'node:util';
import { ScaffoldError } from './scaffold-error.js';

/** The package managers the scaffolder can install with. */
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What the command line asked for; `undefined` means "ask, or use the default". */
export interface CliArguments {
  dir?: string;
  template?: string;
  pm?: PackageManager;
  /** Default: true. `--no-install` turns it off. */
  install?: boolean;
  /** Default: true. `--no-git` turns it off. */
  git?: boolean;
  /** Never prompt: take the defaults for everything not given. */
  yes: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: create-blindbox-app [dir] [options]

  -t, --template <name>   hello | transcriber | web   [default: hello]
      --pm <name>         npm | pnpm | yarn           [default: the one running this]
      --no-install        do not install dependencies
      --no-git            do not initialise a git repository
  -y, --yes               never prompt; use the defaults (also without a terminal)
  -h, --help              show this help
  -v, --version           print the version
`;

/** Parses `argv` (without node and the script). Unknown flags and stray arguments are usage errors. */
export function parseArguments(argv: readonly string[]): CliArguments {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new ScaffoldError('CREATE_USAGE', `${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new ScaffoldError(
      'CREATE_USAGE',
      `expected at most one folder, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}\n\n${USAGE}`,
    );
  }
  const pm = values.pm;
  if (pm !== undefined && !(PACKAGE_MANAGERS as readonly string[]).includes(pm)) {
    throw new ScaffoldError(
      'CREATE_USAGE',
      `unknown package manager ${JSON.stringify(pm)}: use one of ${PACKAGE_MANAGERS.join(', ')}`,
    );
  }
  return {
    dir: positionals[0],
    template: values.template,
    pm: pm as PackageManager | undefined,
    install: values['no-install'] ? false : undefined,
    git: values['no-git'] ? false : undefined,
    yes: values.yes ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      template: { type: 'string', short: 't' },
      pm: { type: 'string' },
      'no-install': { type: 'boolean' },
      'no-git': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}
