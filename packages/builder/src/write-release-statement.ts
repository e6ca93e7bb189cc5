import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  IN_TOTO_STATEMENT_V1,
  RELEASE_PREDICATE_TYPE,
  type ReleasePredicate,
  type ReleaseStatement,
} from '@blindbox/protocol';
import { compareStrings } from './compare-strings.js';
import { listFiles } from './list-project-files.js';

export type { ReleasePredicate, ReleaseStatement };

/** Builds the release statement; `imageDigest` is `sha256:<hex>` of the image manifest. */
export function createReleaseStatement(imageDigest: string, predicate: ReleasePredicate): ReleaseStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: predicate.app, digest: { sha256: imageDigest.replace(/^sha256:/, '') } }],
    predicateType: RELEASE_PREDICATE_TYPE,
    predicate,
  };
}

const TREE_LABEL = Buffer.from('blindbox/source-tree/v1\0');

/** The files the tree digest covers: `package.json`, `tsconfig.json` (if present) and all of `src/`. */
export async function sourceTreeFiles(projectDir: string): Promise<string[]> {
  const top = ['package.json', 'tsconfig.json'].filter((f) => existsSync(join(projectDir, f)));
  const src = (await listFiles(join(projectDir, 'src'))).map((p) => `src/${p}`);
  return [...top, ...src].sort(compareStrings);
}

/**
 * `sha256:` + SHA-256(label ‖ for each file sorted byte-wise by relative POSIX path:
 * u32(len(path)) ‖ path ‖ u64(size) ‖ SHA-256(content)), integers big-endian, label
 * `blindbox/source-tree/v1\0`: the same framing as the simulated measurement, so a path/content
 * boundary can never be shifted to forge a collision.
 */
export async function sourceTreeDigest(projectDir: string): Promise<string> {
  const h = createHash('sha256').update(TREE_LABEL);
  for (const rel of await sourceTreeFiles(projectDir)) {
    const bytes = await readFile(join(projectDir, rel));
    const path = Buffer.from(rel, 'utf8');
    const u32 = Buffer.alloc(4);
    u32.writeUInt32BE(path.length);
    const u64 = Buffer.alloc(8);
    u64.writeBigUInt64BE(BigInt(bytes.length));
    h.update(u32).update(path).update(u64).update(createHash('sha256').update(bytes).digest());
  }
  return `sha256:${h.digest('hex')}`;
}

const run = promisify(execFile);

async function git(projectDir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', projectDir, ...args], { timeout: 10_000 });
    const out = stdout.trim();
    return out === '' ? undefined : out;
  } catch {
    // Not a work tree, no commits, no remote, or no git at all: the field is omitted.
    return undefined;
  }
}

/** `repository` and `commit` when `projectDir` is in a git work tree; `{}` otherwise. */
export async function gitSource(projectDir: string): Promise<{ repository?: string; commit?: string }> {
  if ((await git(projectDir, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return {};
  const commit = await git(projectDir, ['rev-parse', '--verify', 'HEAD']);
  const remote = await git(projectDir, ['remote', 'get-url', 'origin']);
  const repository = remote === undefined ? undefined : publicRepositoryUrl(remote);
  return {
    ...(repository !== undefined ? { repository } : {}),
    ...(commit !== undefined && /^[0-9a-f]{40,64}$/.test(commit) ? { commit } : {}),
  };
}

/**
 * The remote as it may be published: network URLs without credentials (a token in an https remote
 * must never land in a signed, public statement); local paths and file:// remotes are dropped
 * because they name this machine's folders.
 */
export function publicRepositoryUrl(remote: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote)) {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return undefined;
    }
    if (url.protocol === 'file:') return undefined;
    url.username = '';
    url.password = '';
    return url.toString();
  }
  // scp-like syntax (git@github.com:org/repo.git): the user name is not a secret; keep it usable.
  return /^(?:[^@/:\s]+@)?[^/:\s]+:(?!\/)\S+$/.test(remote) ? remote : undefined;
}

/** The commit time (seconds) of `HEAD` when `projectDir` is in a git work tree with commits. */
export async function gitCommitTime(projectDir: string): Promise<number | undefined> {
  if ((await git(projectDir, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;
  const time = await git(projectDir, ['log', '-1', '--format=%ct', 'HEAD']);
  return time !== undefined && /^\d+$/.test(time) ? Number(time) : undefined;
}
