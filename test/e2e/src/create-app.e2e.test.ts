import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  type LocalRegistry,
  publishAll,
  publishablePackages,
  startLocalRegistry,
} from './create-app-registry.js';

const exec = promisify(execFile);

// The create flow as a user meets it: every package of this repository packed and published to a
// real npm registry on loopback (verdaccio), then `npm create blindbox-app` in an empty folder far
// from the repository, with nothing but that registry: the app's tests, its build, and a call into
// the simulated enclave through the client the build generated.

const root = mkdtempSync(join(tmpdir(), 'bb-create-e2e-'));
const home = join(root, 'home');
const user = join(root, 'user');
let registry: LocalRegistry;
let published: string[];
let serve: ChildProcess | undefined;

/** Runs a command as the user would: cwd outside the repo, only the local registry, a fresh npm cache. */
const asUser = (cmd: string, args: string[], cwd: string, timeout = 300_000) =>
  exec(cmd, args, {
    cwd,
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    env: cleanEnv(home, {
      npm_config_registry: `${registry.url}/`,
      npm_config_cache: join(root, 'npm-cache'),
      npm_config_userconfig: join(home, '.npmrc'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      // record each tarball's URL in package-lock.json, to show where every package came from
      npm_config_omit_lockfile_registry_resolved: 'false',
    }),
  });

beforeAll(async () => {
  mkdirSync(home, { recursive: true });
  mkdirSync(user, { recursive: true });
  registry = await startLocalRegistry(root);
  published = await publishAll(registry, join(root, 'tarballs'));
}, 300_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve?.once('exit', r));
    serve.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    serve.kill('SIGKILL');
  }
  await registry?.stop();
  // a dozen installed node_modules trees and an npm cache: removing them takes a while on a busy machine
  await rm(root, { recursive: true, force: true });
}, 300_000);

describe('npm create blindbox-app, from a loopback registry (verdaccio) holding this commit’s packages', () => {
  const app = join(user, 'my-app');

  it('every package of the repository was packed and published', () => {
    expect(published.sort()).toEqual(
      publishablePackages()
        .map((p) => `${p.name}@${p.version}`)
        .sort(),
    );
    expect(published.some((p) => p.startsWith('create-blindbox-app@'))).toBe(true);
  });

  it.each(publishablePackages().map((p) => [p.name, p] as const))(
    '%s installs on its own from the registry, and each of its exports and bins loads',
    async (_name, pkg) => {
      const dir = join(root, 'alone', pkg.name.replace('/', '+'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{ "name": "alone", "private": true, "type": "module" }\n');
      await asUser('npm', ['install', `${pkg.name}@${pkg.version}`, '--prefer-offline'], dir);
      const installed = join(dir, 'node_modules', ...pkg.name.split('/'));
      expect(lstatSync(installed).isSymbolicLink()).toBe(false);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest.engines?.node).toBeTruthy();
      const subpaths = Object.keys(manifest.exports ?? { '.': null }).filter((k) => k !== './package.json');
      for (const sub of subpaths) {
        const specifier = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
        const { stdout } = await asUser(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`,
          ],
          dir,
        );
        expect(Number(stdout.trim())).toBeGreaterThan(0);
      }
      for (const bin of Object.keys(
        typeof manifest.bin === 'string' ? { [pkg.name]: 1 } : (manifest.bin ?? {}),
      )) {
        const { stdout } = await asUser(join(dir, 'node_modules', '.bin', bin), ['--help'], dir);
        expect(stdout.length).toBeGreaterThan(0);
      }
    },
    180_000,
  );

  it('npm create blindbox-app@latest my-app -- -t hello --yes scaffolds and installs from the registry only', async () => {
    await asUser(
      'npm',
      ['create', 'blindbox-app@latest', 'my-app', '--', '-t', 'hello', '--yes'],
      user,
      600_000,
    );
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-app');
    const version = published.find((p) => p.startsWith('create-blindbox-app@'))?.split('@')[1];
    expect(pkg.dependencies['@blindbox/sdk']).toBe(version);
    // installed copies, not links into the repository, and every tarball came from the local registry
    for (const dep of readdirSync(join(app, 'node_modules', '@blindbox'))) {
      expect(lstatSync(join(app, 'node_modules', '@blindbox', dep)).isSymbolicLink()).toBe(false);
    }
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
    const resolved = Object.values(lock.packages as Record<string, { resolved?: string }>)
      .map((p) => p.resolved)
      .filter((r): r is string => r !== undefined);
    expect(resolved.length).toBeGreaterThan(10);
    for (const r of resolved) expect(r.startsWith(`${registry.url}/`)).toBe(true);
  }, 600_000);

  it('npm test passes in the new app', async () => {
    const { stdout } = await asUser('npm', ['test'], app);
    expect(stdout).toMatch(/# pass 3/);
    expect(stdout).toMatch(/# fail 0/);
  }, 120_000);

  it('npx blindbox build succeeds', async () => {
    const { stdout } = await asUser('npx', ['blindbox', 'build', '--json'], app);
    const summary = JSON.parse(stdout);
    expect(summary.app).toBe('hello');
    expect(summary.endpoints).toEqual(['digest', 'greet']);
    expect(summary.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 300_000);

  it('the app served in the simulator answers a call through its generated client', async () => {
    // the app's own bin, as npx resolves it, spawned directly so that stopping it stops the simulator
    const child = spawn(
      join(app, 'node_modules', '.bin', 'blindbox'),
      ['serve', '.', '--port', '0', '--json'],
      {
        cwd: app,
        env: cleanEnv(home, {
          npm_config_registry: `${registry.url}/`,
          npm_config_cache: join(root, 'npm-cache'),
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    serve = child;
    const info = await new Promise<{ url: string; simulatorRoot: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`blindbox serve printed nothing: ${out}`)), 60_000);
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.startsWith('{') && l.endsWith('}'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      });
      child.stderr?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.on('exit', (c) => reject(new Error(`blindbox serve exited ${c}: ${out}`)));
    });
    const { stdout } = await asUser('npm', ['run', 'call', '--', info.url], app);
    expect(stdout).toContain('attested simulated enclave');
    expect(stdout).toContain('{"message":"Hello, world!"}');
  }, 120_000);
});
