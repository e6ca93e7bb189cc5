import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const openssl = '/usr/bin/openssl';

/** Debian's `docker-registry` package: the CNCF distribution registry (v2.8). */
export const registryBinary = '/usr/bin/docker-registry';

/** A real distribution registry on a loopback port, with its storage in a temp folder. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`: the host part of image references. */
  host: string;
  /** Everything the registry wrote to stderr (its request log). */
  log(): string;
  stop(): Promise<void>;
}

/** Token auth as distribution implements it: JWTs whose x5c chains to `rootCertBundle`. */
export interface RegistryTokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `docker-registry serve <config>` (no systemd) and waits until `/v2/` answers.
 * `relativeUrls` makes it answer upload Locations as paths; `pullThroughOf` makes it a pull-through
 * cache of another registry (`host:port`), which refuses pushes.
 */
export async function startRegistry(
  options: { relativeUrls?: boolean; pullThroughOf?: string; tokenAuth?: RegistryTokenAuth } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    ...(options.pullThroughOf ? ['proxy:', `  remoteurl: http://${options.pullThroughOf}`] : []),
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(options.relativeUrls ? ['  relativeurls: true'] : []),
    ...(options.tokenAuth
      ? [
          'auth:',
          '  token:',
          `    realm: ${options.tokenAuth.realm}`,
          `    service: ${options.tokenAuth.service}`,
          `    issuer: ${options.tokenAuth.issuer}`,
          `    rootcertbundle: ${options.tokenAuth.rootCertBundle}`,
        ]
      : []),
  ];
  const config = join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(registryBinary, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    const up = await fetch(`http://${host}/v2/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 100) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

/** A self-signed P-256 certificate and its key (openssl), for the token issuer. */
export function issuerCertificate(dir: string): { keyPem: string; certPem: string; certFile: string } {
  const keyFile = join(dir, 'issuer.key');
  const certFile = join(dir, 'issuer.pem');
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=blindbox test token issuer',
    ],
    { stdio: 'ignore' },
  );
  return { keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8'), certFile };
}
