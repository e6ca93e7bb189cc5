import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HEALTH_PATH } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { copyHello, repoRoot } from './run-cli.js';

describe('blindbox dev', () => {
  it('builds, serves, and rebuilds and restarts on a source change', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bb-dev-'));
    const project = join(work, 'hello');
    copyHello(project);
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'packages/cli/bin/run.js'),
        'dev',
        project,
        '--port',
        '0',
        '--sim-root',
        join(work, 'root'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: child.stdout });
    const urls: string[] = [];
    const digests: string[] = [];
    const waitFor = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no restart #${n}`)), 60_000);
        const check = (line: string) => {
          const built = /^built \S+ in \d+ ms \((sha256:[0-9a-f]+)\)/.exec(line);
          if (built?.[1]) digests.push(built[1]);
          const serving = /^serving at (\S+)/.exec(line);
          if (serving?.[1]) urls.push(serving[1]);
          if (urls.length >= n) {
            clearTimeout(timer);
            lines.off('line', check);
            resolve();
          }
        };
        lines.on('line', check);
      });
    try {
      await waitFor(1);
      expect((await fetch(new URL(HEALTH_PATH, urls[0]))).status).toBe(200);
      const src = join(project, 'src', 'hello.ts');
      writeFileSync(src, readFileSync(src, 'utf8').replace("'Bonjour'", "'Salut'"));
      await waitFor(2);
      expect(digests[1]).not.toBe(digests[0]);
      expect((await fetch(new URL(HEALTH_PATH, urls[1]))).status).toBe(200);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  }, 120_000);
});
