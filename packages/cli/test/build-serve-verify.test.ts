import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyHello, runCli, startCli } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bb-cli-'));
const project = join(work, 'hello');
const out = join(work, 'out');
const env = { BLINDBOX_SIM_ROOT: join(work, 'sim-root') };
let server: Awaited<ReturnType<typeof startCli>>;

beforeAll(async () => {
  copyHello(project);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('blindbox build · serve · verify (the built binary)', () => {
  it('build --json prints the image digest and the measurements', () => {
    const r = runCli(['build', project, '--out', out, '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(summary.measurements.simulated).toMatch(/^[0-9a-f]{96}$/);
    expect(summary.measurements['oci.imageDigest']).toBe(summary.imageDigest);
    expect(summary.endpoints).toEqual(['digest', 'greet']);
  });

  it('serve runs the image; verify accepts it against release.json and prints the report', async () => {
    server = await startCli(['serve', out, '--port', '0', '--json'], env);
    const release = join(out, 'release.json');
    const r = runCli(
      ['verify', server.info.url ?? '', '--allow-simulated', '--release', release, '--json'],
      env,
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      ok: true,
      platform: 'simulated',
      measurementAccepted: true,
      debug: false,
    });
    const released = JSON.parse(readFileSync(release, 'utf8')).predicate.measurements.simulated;
    expect(report.measurement).toBe(released);
    // Every value compared is listed, and what a release could pin for this server.
    expect(report.compared).toEqual([
      { key: 'simulated', field: 'measurement', expected: released, found: released, ok: true },
    ]);
    expect(report.values).toEqual({ simulated: released });
  });

  it('verify exits 1 with a typed error for a release the server does not run, or without --allow-simulated', () => {
    const other = JSON.parse(readFileSync(join(out, 'release.json'), 'utf8'));
    other.predicate.measurements.simulated = '00'.repeat(48);
    const path = join(work, 'other-release.json');
    writeFileSync(path, JSON.stringify(other));
    const wrong = runCli(
      ['verify', server.info.url ?? '', '--allow-simulated', '--release', path, '--json'],
      env,
    );
    expect(wrong.status).toBe(1);
    const refused = JSON.parse(wrong.stdout);
    expect(refused.error).toMatchObject({ code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED', field: 'simulated' });
    expect(refused.compared).toEqual([expect.objectContaining({ key: 'simulated', ok: false })]);
    const strict = runCli(['verify', server.info.url ?? '', '--json'], env);
    expect(strict.status).toBe(1);
    expect(JSON.parse(strict.stdout).error.code).toBe('ATTESTATION_SIMULATED_NOT_ALLOWED');
  });

  it('the enclave does not outlive a serve killed with SIGKILL', async () => {
    const doomed = await startCli(['serve', out, '--port', '0', '--json'], env);
    const health = new URL('/.well-known/blindbox/v1/health', doomed.info.url);
    expect((await fetch(health)).status).toBe(200);
    doomed.child.kill('SIGKILL');
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = await fetch(health).then(
        () => false,
        () => true,
      );
    }
    expect(gone).toBe(true);
  });

  it('exits 2 on usage errors', () => {
    expect(runCli(['verify'], env).status).toBe(2);
    expect(runCli(['serve', work], env).status).toBe(2);
    expect(runCli(['build', join(work, 'does-not-exist')], env).status).toBe(2);
  });

  it('build reports an unsupported handler type with file:line:column and exit 2', () => {
    const bad = join(work, 'bad');
    cpSync(project, bad, { recursive: true });
    const src = join(bad, 'src', 'hello.ts');
    writeFileSync(
      src,
      readFileSync(src, 'utf8').replace('req: { data: Uint8Array }', 'req: { data: () => void }'),
    );
    const r = runCli(['build', bad, '--out', join(work, 'bad-out'), '--json'], env);
    expect(r.status).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('ANALYZE_UNSUPPORTED_TYPE');
    expect(err.message).toMatch(/src\/hello\.ts:\d+:\d+/);
    // Nothing was written: no partial build to mistake for a good one.
    expect(existsSync(join(work, 'bad-out'))).toBe(false);
  });

  it('build reports every unsupported type at once, and leaves an earlier build untouched', () => {
    const bad = join(work, 'bad-twice');
    cpSync(project, bad, { recursive: true });
    const src = join(bad, 'src', 'hello.ts');
    writeFileSync(
      src,
      readFileSync(src, 'utf8')
        .replace('req: { data: Uint8Array }', 'req: { data: () => void }')
        .replace('language?: ', 'when: symbol; language?: '),
    );
    const out = join(work, 'bad-twice-out');
    const good = runCli(['build', project, '--out', out, '--json'], env);
    expect(good.status).toBe(0);
    // --json names the generated client's folder.
    const { clientDir } = JSON.parse(good.stdout) as { clientDir: string };
    expect(clientDir).toBe(join(out, 'client'));
    expect(existsSync(join(clientDir, 'dist', 'index.d.ts'))).toBe(true);
    const before = readFileSync(join(out, 'release.json'));
    const r = runCli(['build', bad, '--out', out, '--json'], env);
    expect(r.status).toBe(2);
    const { message } = JSON.parse(r.stdout).error as { message: string };
    expect(message.match(/src\/hello\.ts:\d+:\d+/g)?.length).toBeGreaterThanOrEqual(2);
    expect(message).toMatch(/symbol/);
    expect(message).toMatch(/=> void|function/);
    expect(readFileSync(join(out, 'release.json')).equals(before)).toBe(true);
  });
});
