import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { tempDir } from './helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

/** A fake terminal: streams that say they are TTYs; keys are typed once the prompt shows `waitFor`. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 40 });
  let screen = '';
  const waiters: Array<{ text: string; keys: string }> = [];
  output.on('data', (c: Buffer) => {
    screen += c.toString();
    const next = waiters[0];
    if (next && screen.includes(next.text)) {
      waiters.shift();
      screen = '';
      setTimeout(() => input.write(next.keys), 20);
    }
  });
  return {
    input,
    output,
    /** Types `keys` when `text` next appears on the screen. */
    answer(text: string, keys: string) {
      waiters.push({ text, keys });
    },
  };
}

describe('create-blindbox-app on a terminal', () => {
  it('asks for the folder, the template and the install, and uses the answers', async () => {
    const term = fakeTerminal();
    term.answer('Project folder', 'from-prompts\r');
    term.answer('Template', '\x1b[B\r'); // arrow down: the second template (transcriber)
    term.answer('Install dependencies', '\x1b[C\r'); // arrow right: No
    const stderr = new PassThrough();
    const code = await main(['--no-git'], {
      stdin: term.input,
      stdout: term.output,
      stderr,
      cwd: dir.path,
      childStdio: 'ignore',
    });
    expect(code).toBe(0);
    const pkg = JSON.parse(await readFile(join(dir.path, 'from-prompts', 'package.json'), 'utf8'));
    expect(pkg.name).toBe('from-prompts');
    expect(existsSync(join(dir.path, 'from-prompts', 'src', 'transcriber.ts'))).toBe(true);
    expect(existsSync(join(dir.path, 'from-prompts', 'node_modules'))).toBe(false);
  });

  it('never asks what the flags already say, and --yes asks nothing at all even on a terminal', async () => {
    const term = fakeTerminal();
    let shown = '';
    term.output.on('data', (c: Buffer) => {
      shown += c.toString();
    });
    const code = await main(['flagged', '-t', 'web', '--no-install', '--no-git', '--yes'], {
      stdin: term.input,
      stdout: term.output,
      stderr: new PassThrough(),
      cwd: dir.path,
      childStdio: 'ignore',
    });
    expect(code).toBe(0);
    expect(shown).not.toContain('Template');
    expect(existsSync(join(dir.path, 'flagged', 'src', 'word-count.ts'))).toBe(true);
  });

  it('a cancelled prompt (Ctrl-C) creates nothing', async () => {
    const term = fakeTerminal();
    term.answer('Project folder', '\x03');
    const code = await main([], {
      stdin: term.input,
      stdout: term.output,
      stderr: new PassThrough(),
      cwd: dir.path,
      childStdio: 'ignore',
    });
    expect(code).toBe(1);
    expect(existsSync(join(dir.path, 'my-blindbox-app'))).toBe(false);
  });
});

describe('the bin, as npm create runs it', () => {
  const bin = fileURLToPath(new URL('../bin/create-blindbox-app.js', import.meta.url));
  beforeAll(() => {
    // the bin runs dist/ (turbo builds it before the tests)
    expect(existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))).toBe(true);
  });

  it('with stdin an open pipe (no terminal) and no --yes, it finishes without waiting for input', async () => {
    const child = spawn(process.execPath, [bin, 'piped-app', '--no-install', '--no-git'], {
      cwd: dir.path,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`still running after 15 s (waiting for input?): ${out}`));
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(out).toContain('Created piped-app from the hello template');
  });

  it('exits 2 on a bad name', async () => {
    const child = spawn(process.execPath, [bin, 'Not Valid', '--yes'], { cwd: dir.path, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(existsSync(join(dir.path, 'Not Valid'))).toBe(false);
  });
});
