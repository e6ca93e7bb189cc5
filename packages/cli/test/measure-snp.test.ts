import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const vectors = process.env['BLINDBOX_VECTORS'] ?? join(repoRoot, 'vectors');
const ovmf = join(vectors, 'snp-launch', 'ovmf_AmdSev_suffix.bin');
const ovmfX64 = join(vectors, 'snp-launch', 'ovmf_OvmfX64_suffix.bin');
const cases = JSON.parse(readFileSync(join(vectors, 'snp-launch', 'cases.json'), 'utf8')) as {
  name: string;
  measurement?: string;
}[];
const expected = (name: string) => cases.find((c) => c.name === name)!.measurement;

describe('blindbox measure snp', () => {
  let dir: string;
  let empty: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blindbox-measure-'));
    empty = join(dir, 'empty');
    writeFileSync(empty, '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the digest sev-snp-measure asserts for a measured direct boot', () => {
    const r = runCli([
      'measure',
      'snp',
      '--ovmf',
      ovmf,
      '--kernel',
      empty,
      '--initrd',
      empty,
      '--append',
      'console=ttyS0 loglevel=7',
      '--vcpus',
      '1',
      '--vcpu-type',
      'EPYC-v4',
      '--guest-features',
      '0x21',
      '--vmm-type',
      'qemu',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(expected('snp_default'));
  });

  it('prints JSON with --json, here without a kernel and with 4 vCPUs', () => {
    const none = runCli([
      'measure',
      'snp',
      '--ovmf',
      ovmf,
      '--vcpus',
      '1',
      '--guest-features',
      '0x1',
      '--json',
    ]);
    expect(JSON.parse(none.stdout)).toEqual({ measurement: expected('snp_without_kernel_feature_snp_only') });
    const four = runCli([
      'measure',
      'snp',
      '--ovmf',
      ovmf,
      '--kernel',
      empty,
      '--initrd',
      empty,
      '--append',
      '',
      '--vcpus',
      '4',
      '--guest-features',
      '0x21',
      '--json',
    ]);
    expect(JSON.parse(four.stdout)).toEqual({ measurement: expected('snp_with_multiple_vcpus_default') });
  });

  it('refuses a kernel with a firmware that cannot measure one (exit 2, typed code)', () => {
    const r = runCli(['measure', 'snp', '--ovmf', ovmfX64, '--kernel', empty, '--vcpus', '1', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'SNP_LAUNCH_NO_KERNEL_HASHES' } });
  });

  it.each([
    ['a missing firmware file', ['--ovmf', '/nonexistent/OVMF.fd', '--vcpus', '1']],
    ['an unknown vCPU type', ['--ovmf', ovmf, '--vcpus', '1', '--vcpu-type', 'Pentium']],
    ['an unknown VMM', ['--ovmf', ovmf, '--vcpus', '1', '--vmm-type', 'xen']],
    ['a bad guest-features word', ['--ovmf', ovmf, '--vcpus', '1', '--guest-features', 'zz']],
    ['an OVMF hash of the wrong size', ['--ovmf', ovmf, '--vcpus', '1', '--ovmf-hash', 'abcd']],
    ['zero vCPUs', ['--ovmf', ovmf, '--vcpus', '0']],
  ])('%s is a usage error (exit 2)', (_name, args) => {
    const r = runCli(['measure', 'snp', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toBe('');
  });
});
