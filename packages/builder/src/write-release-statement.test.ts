import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../test/support/temp-project.js';
import {
  gitSource,
  publicRepositoryUrl,
  sourceTreeDigest,
  sourceTreeFiles,
} from './write-release-statement.js';

const run = promisify(execFile);

describe('publicRepositoryUrl', () => {
  it('keeps public remotes and strips credentials', () => {
    expect(publicRepositoryUrl('https://github.com/acme/app.git')).toBe('https://github.com/acme/app.git');
    expect(publicRepositoryUrl('https://x-access-token:ghs_secret@github.com/acme/app.git')).toBe(
      'https://github.com/acme/app.git',
    );
    expect(publicRepositoryUrl('ssh://git:pw@host.example/acme/app')).toBe('ssh://host.example/acme/app');
    expect(publicRepositoryUrl('git@github.com:acme/app.git')).toBe('git@github.com:acme/app.git');
  });

  it('drops remotes that name this machine', () => {
    expect(publicRepositoryUrl('/home/me/src/app')).toBeUndefined();
    expect(publicRepositoryUrl('file:///home/me/src/app')).toBeUndefined();
    expect(publicRepositoryUrl('../app')).toBeUndefined();
  });
});

describe('sourceTreeDigest', () => {
  it('covers package.json, tsconfig.json and src/, and changes with any of them', async () => {
    const dir = await tempProject({
      'src/a.ts': 'a',
      'src/z/b.ts': 'b',
      'README.md': 'not source',
      'tsconfig.json': '{}',
    });
    expect(await sourceTreeFiles(dir)).toEqual(['package.json', 'src/a.ts', 'src/z/b.ts', 'tsconfig.json']);
    const before = await sourceTreeDigest(dir);
    expect(before).toMatch(/^sha256:[0-9a-f]{64}$/);
    await writeFile(join(dir, 'README.md'), 'edited');
    expect(await sourceTreeDigest(dir)).toBe(before);
    await writeFile(join(dir, 'src', 'a.ts'), 'a2');
    expect(await sourceTreeDigest(dir)).not.toBe(before);
  });

  it('depends on contents and relative paths only', async () => {
    const one = await tempProject({ 'src/a.ts': 'x' });
    const two = await tempProject({ 'src/a.ts': 'x' });
    expect(await sourceTreeDigest(one)).toBe(await sourceTreeDigest(two));
  });
});

describe('gitSource', () => {
  it('is empty outside a git work tree', async () => {
    expect(await gitSource(await tempProject({}))).toEqual({});
  });

  it('reads the commit and the public remote inside one', async () => {
    const dir = await tempProject({ 'src/a.ts': 'x' });
    const git = (...args: string[]) => run('git', ['-C', dir, ...args]);
    await git('init', '-q');
    // Before the first commit there is no HEAD: the commit is omitted, nothing fails.
    expect(await gitSource(dir)).toEqual({});
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-qm', 'init');
    await git('remote', 'add', 'origin', 'https://user:token@example.test/acme/app.git');
    const { stdout } = await git('rev-parse', 'HEAD');
    expect(await gitSource(dir)).toEqual({
      repository: 'https://example.test/acme/app.git',
      commit: stdout.trim(),
    });
  });
});
