import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listTemplates, scaffolderVersion } from '../src/index.js';
import { run, tempDir, tree } from './helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

describe('create-blindbox-app, non-interactive', () => {
  it('writes the hello template with dotfiles renamed and @blindbox/* pinned to its own version', async () => {
    const r = await run(['my-app', '-t', 'hello', '--no-install', '--no-git', '--yes'], dir.path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const app = join(dir.path, 'my-app');
    const files = await tree(app);
    expect(files).toEqual(
      expect.arrayContaining([
        '.gitignore',
        '.github/workflows/release.yml',
        'README.md',
        'package.json',
        'src/hello.ts',
        'test/hello.test.ts',
        'tsconfig.json',
      ]),
    );
    expect(files.filter((f) => /(^|\/)_/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('node_modules') || f.startsWith('.blindbox'))).toEqual([]);
    const pkg = await readJson(join(app, 'package.json'));
    expect(pkg.name).toBe('my-app');
    expect(pkg.version).toBe('0.1.0');
    const blindbox = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([n]) =>
      n.startsWith('@blindbox/'),
    );
    expect(blindbox.map(([n]) => n).sort()).toEqual(['@blindbox/cli', '@blindbox/client', '@blindbox/sdk']);
    for (const [, version] of blindbox) expect(version).toBe(scaffolderVersion());
    expect(JSON.stringify(pkg)).not.toContain('"*"');
    expect(await readFile(join(app, '.gitignore'), 'utf8')).toContain('node_modules/');
    expect(r.stdout).toContain('cd my-app');
    expect(r.stdout).toContain('npm install');
  });

  it('without a folder and without a terminal it takes the defaults instead of waiting', async () => {
    const r = await run(['--no-install', '--no-git'], dir.path);
    expect(r.code).toBe(0);
    const pkg = await readJson(join(dir.path, 'my-blindbox-app', 'package.json'));
    expect(pkg.name).toBe('my-blindbox-app');
    expect(existsSync(join(dir.path, 'my-blindbox-app', 'src', 'hello.ts'))).toBe(true);
  });

  it('fills an existing empty folder, and "." names the project after the current folder', async () => {
    const here = join(dir.path, 'empty-one');
    await mkdir(here);
    const r = await run(['.', '--no-install', '--no-git', '-t', 'web'], here);
    expect(r.code).toBe(0);
    expect((await readJson(join(here, 'package.json'))).name).toBe('empty-one');
    expect(r.stdout).not.toContain('cd ');
  });

  it.each(['hello', 'transcriber', 'web'])('the %s template is a complete app', async (template) => {
    expect(listTemplates().map((t) => t.name)).toContain(template);
    const r = await run([`app-${template}`, '--template', template, '--no-install', '--no-git'], dir.path);
    expect(r.code).toBe(0);
    const app = join(dir.path, `app-${template}`);
    const files = await tree(app);
    for (const needed of ['README.md', 'tsconfig.json', 'package.json', '.gitignore'])
      expect(files).toContain(needed);
    expect(files.some((f) => /^src\/.+\.ts$/.test(f))).toBe(true);
    expect(files.some((f) => /^test\/.+\.test\.ts$/.test(f))).toBe(true);
    const pkg = await readJson(join(app, 'package.json'));
    expect(pkg.scripts.test).toMatch(/test\//);
    expect(pkg.scripts.build).toContain('blindbox build');
    const workflow = await readFile(join(app, '.github', 'workflows', 'release.yml'), 'utf8');
    expect(workflow).toMatch(/tags:\s*\[['"]v\*['"]\]/);
    expect(workflow).toContain('apps/github-action');
    expect(workflow).toContain('id-token: write');
    expect(await readFile(join(app, 'README.md'), 'utf8')).toMatch(/## Next steps/);
  });

  it('--git initialises a repository with a first commit that ignores node_modules', async () => {
    const env = { ...process.env };
    Object.assign(process.env, {
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    });
    try {
      const r = await run(['with-git', '--no-install', '--yes'], dir.path);
      expect(r.code).toBe(0);
    } finally {
      process.env = env;
    }
    const app = join(dir.path, 'with-git');
    const log = spawnSync('git', ['log', '--oneline'], { cwd: app, encoding: 'utf8' });
    expect(log.stdout.trim().split('\n')).toHaveLength(1);
    const files = spawnSync('git', ['ls-files'], { cwd: app, encoding: 'utf8' }).stdout;
    expect(files).toContain('.github/workflows/release.yml');
    expect(files).toContain('.gitignore');
  });
});

describe('create-blindbox-app refuses bad input with exit 2 and creates nothing', () => {
  const refuses = async (argv: string[], message: RegExp, setup?: () => Promise<void>) => {
    await setup?.();
    const before = await tree(dir.path);
    const r = await run(argv, dir.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(await tree(dir.path)).toEqual(before);
  };

  it.each([
    ['Bad Name', /not a valid npm package name/],
    ['UPPER', /not a valid npm package name.*capital letters/],
    ['.hidden', /not a valid npm package name/],
    ['node_modules', /not a valid npm package name/],
    ['http', /not a valid npm package name/],
  ])('an invalid npm name: %s', async (name, message) => {
    await refuses([name, '--no-install', '--no-git'], message);
  });

  it('a folder that is not empty (and its file stays as it was)', async () => {
    await refuses(['taken', '--no-install', '--no-git'], /taken is not empty/, async () => {
      await mkdir(join(dir.path, 'taken'));
      await writeFile(join(dir.path, 'taken', 'notes.txt'), 'mine');
    });
    expect(await readFile(join(dir.path, 'taken', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a target that is a file', async () => {
    await refuses(['a-file', '--no-install'], /not a folder/, () => writeFile(join(dir.path, 'a-file'), 'x'));
  });

  it('an unknown template, naming the known ones', async () => {
    await refuses(
      ['my-app', '-t', 'nope', '--no-install'],
      /unknown template "nope".*hello, transcriber, web/,
    );
  });

  it('an unknown flag, a flag without its value, an unknown package manager, two folders', async () => {
    await refuses(['my-app', '--frobnicate'], /Unknown option '--frobnicate'/);
    await refuses(['my-app', '--template'], /argument missing|requires|value/i);
    await refuses(['my-app', '--pm', 'bun'], /unknown package manager "bun"/);
    await refuses(['one', 'two'], /at most one folder/);
  });
});
