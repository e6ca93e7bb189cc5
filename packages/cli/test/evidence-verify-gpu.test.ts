import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const v = (name: string) =>
  join(process.env['BLINDBOX_VECTORS'] ?? join(repoRoot, 'vectors'), 'nvidia-gpu', name);
const report = v('hopperAttestationReport.txt');
const chain = v('hopperCertChain.txt');
const nonce = '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb';
const base = [
  'evidence',
  'verify',
  report,
  '--platform',
  'nvidia-gpu',
  '--cert-chain',
  chain,
  '--at',
  '2024-06-01T00:00:00Z',
];

describe('blindbox evidence verify --platform nvidia-gpu', () => {
  it('accepts NVIDIA’s sample with its nonce and --no-rims, and says the measurements were not compared (exit 0)', () => {
    const r = runCli([...base, '--expect-nonce', nonce, '--no-rims']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('✔ gpu.signature');
    expect(r.stdout).toContain('NOT compared');
  });

  it('rejects another nonce (exit 1, typed code in --json)', () => {
    const r = runCli([...base, '--expect-nonce', `00${nonce.slice(2)}`, '--no-rims', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'ATTESTATION_NONCE_MISMATCH' } });
  });

  it('with the RIMs NVIDIA ships, reports that they describe another driver version (exit 1)', () => {
    const r = runCli([
      ...base,
      '--driver-rim',
      v('Driver_RIM_test_no_gpu.swidtag'),
      '--vbios-rim',
      v('1010_0200_882_96005E0001_test_no_gpu.swidtag'),
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ATTESTATION_GPU_RIM_VERSION_MISMATCH' },
    });
  });

  it.each([
    ['without RIMs and without --no-rims', [...base]],
    ['without --cert-chain', ['evidence', 'verify', report, '--platform', 'nvidia-gpu', '--no-rims']],
    [
      'with a GPU flag on another platform',
      ['evidence', 'verify', report, '--platform', 'nitro', '--no-rims'],
    ],
    ['with a nonce that is not 32 bytes', [...base, '--no-rims', '--expect-nonce', 'abcd']],
  ])('is a usage error (exit 2) %s', (_name, args) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
  });
});
