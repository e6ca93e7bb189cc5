import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './build-hello.js';

const run = promisify(execFile);

/** A verdaccio registry on 127.0.0.1 holding this repository's packages. */
export interface LocalRegistry {
  url: string;
  /** A userconfig that can publish (token), for `npm publish --userconfig`. */
  publishConfig: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Starts verdaccio on loopback. `@blindbox/*` and `create-blindbox-app` are served only from what is
 * published to it (never proxied: a stale or foreign copy must not stand in for this commit's code);
 * every other package is proxied from the registry this machine's npm is configured with.
 */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  const uplink = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', cwd: dir }).trim();
  const user = 'ci';
  const password = randomBytes(18).toString('base64url');
  // verdaccio-htpasswd's {SHA} form; the user exists up front and nobody can register (max_users: -1)
  writeFileSync(
    join(dir, 'htpasswd'),
    `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}:autocreated 2026-01-01\n`,
  );
  const port = await freePort();
  const config = join(dir, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: -1',
      'uplinks:',
      '  upstream:',
      `    url: ${JSON.stringify(uplink)}`,
      '    timeout: 60s',
      '    max_fails: 5',
      'packages:',
      "  '@blindbox/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  'create-blindbox-app':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: error }',
      `listen: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const bin = join(
    createRequire(import.meta.url)
      .resolve('verdaccio/package.json')
      .replace(/package\.json$/, ''),
    'bin',
    'verdaccio',
  );
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // the machine's environment (CA bundle, proxy) so that the uplink is reached as npm reaches it
    env: cleanEnv(dir),
  });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/-/ping`);
      if (res.ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`verdaccio did not start (exit ${child.exitCode}): ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const login = await fetch(`${url}/-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    // an existing user logs in with basic auth (without it, verdaccio treats the PUT as a sign-up: 409)
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    },
    body: JSON.stringify({ name: user, password }),
  });
  const { token } = (await login.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio login failed: HTTP ${login.status}`);
  const publishConfig = join(dir, 'publish.npmrc');
  writeFileSync(publishConfig, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`, {
    mode: 0o600,
  });
  return {
    url,
    publishConfig,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          r();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The repository's publishable packages (packages/*, not private), in folder order. */
export function publishablePackages(): Array<{ name: string; version: string; dir: string }> {
  const root = join(repoRoot, 'packages');
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      return {
        dir,
        name: String(pkg['name']),
        version: String(pkg['version']),
        private: pkg['private'] === true,
      };
    })
    .filter((p) => !p.private)
    .map((p) => ({ name: p.name, version: p.version, dir: p.dir }));
}

/** `npm pack` each package (its own prepack included) and `npm publish` the tarball to the registry. */
export async function publishAll(registry: LocalRegistry, tarballDir: string): Promise<string[]> {
  mkdirSync(tarballDir, { recursive: true });
  const published: string[] = [];
  for (const pkg of publishablePackages()) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballDir], {
      cwd: pkg.dir,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack printed no tarball for ${pkg.name}`);
    await run(
      'npm',
      [
        'publish',
        join(tarballDir, packed.filename),
        '--registry',
        registry.url,
        '--userconfig',
        registry.publishConfig,
        '--access',
        'public',
        '--tag',
        'latest',
        '--ignore-scripts',
      ],
      { cwd: tarballDir, env: cleanEnv(tarballDir) },
    );
    published.push(`${pkg.name}@${pkg.version}`);
  }
  return published;
}

/** An environment with nothing of this repository's npm run in it (no npm_* variables, a HOME of its own). */
export function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // NODE_EXTRA_CA_CERTS stays: the machine may reach the registry through its own CA
    if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|VITEST|TURBO)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, HOME: home, ...extra };
}
