import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEvidence } from '@blindbox/attestation';
import { acceptMeasurementFromRelease } from '@blindbox/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyHello, repoRoot, runCli } from './run-cli.js';

/*
 * `platforms` in blindbox.config.json → the release's values → the client's checks, with the real
 * Azure Container Instances evidence of vectors/sev-snp/aci: the ccePolicy in the project is that
 * container group's policy, and the launch measurement is the one its utility VM reports.
 */

const work = mkdtempSync(join(tmpdir(), 'bb-platforms-'));
const project = join(work, 'hello');
const vectors = join(repoRoot, 'vectors');
const aci = JSON.parse(readFileSync(join(vectors, 'expected.json'), 'utf8'))['sev-snp/aci'] as {
  files: Record<string, string>;
  at: string;
  fields: Record<string, string>;
};

function configure(platforms: unknown): void {
  writeFileSync(join(project, 'blindbox.config.json'), JSON.stringify({ platforms }));
}

function build(out: string): { imageDigest: string; measurements: Record<string, string> } {
  const r = runCli(['build', project, '--out', join(work, out), '--json'], {
    SOURCE_DATE_EPOCH: '1700000000',
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return JSON.parse(r.stdout);
}

const release = (out: string) => JSON.parse(readFileSync(join(work, out, 'release.json'), 'utf8'));

const aciEvidence = () =>
  verifyEvidence(
    {
      platform: 'sev-snp',
      evidence: new Uint8Array(readFileSync(join(vectors, aci.files['report']!))),
      collateral: { thim: readFileSync(join(vectors, aci.files['hostAmdCertificate']!), 'utf8') },
    },
    { at: new Date(aci.at) },
  );

const snpValues = (hostData: unknown) => ({
  'sev-snp': {
    measurement: aci.fields['measurement'],
    hostData,
    guestPolicy: '0x3001f',
    minTcb: 'bl=3 tee=0 snp=8 ucode=115',
  },
});

let plain: { imageDigest: string; measurements: Record<string, string> };

beforeAll(() => {
  copyHello(project);
  mkdirSync(join(project, 'deploy'));
  cpSync(join(vectors, aci.files['securityPolicy']!), join(project, 'deploy', 'cce-policy.b64'));
  plain = build('plain');
}, 300_000);

describe('platform values: blindbox.config.json → release → client', () => {
  it('ACI: the release records the reference values and host_data = SHA-256 of the ccePolicy; the image is unchanged', () => {
    // The vector's policy is ACI's debug policy (exec allowed): a real release must not accept it,
    // so the build refuses it unless told by name; this test says so to use the real evidence.
    configure(snpValues({ aciPolicy: 'deploy/cce-policy.b64' }));
    const refused = runCli(['build', project, '--out', join(work, 'refused'), '--json']);
    expect(JSON.parse(refused.stdout).error.message).toContain('allows exec into the container');
    configure(snpValues({ aciPolicy: 'deploy/cce-policy.b64', insecureAllowExec: true }));
    const built = build('aci');
    expect(built.imageDigest).toBe(plain.imageDigest);
    expect(built.measurements).toEqual({
      ...plain.measurements,
      'sev-snp': aci.fields['measurement'],
      'snp.hostData': aci.fields['hostData'],
      'snp.guestPolicy': '0x3001f',
      'snp.minTcb': 'bl=3 tee=0 snp=8 ucode=115',
    });
    expect(release('aci').predicate.measurements).toEqual(built.measurements);
    // The generated client pins the same values.
    const client = readFileSync(join(work, 'aci', 'client', 'dist', 'index.js'), 'utf8');
    expect(client).toContain(aci.fields['hostData']);
  }, 300_000);

  it('deploy aci: a template to generate the policy from, then one with the policy the release records', () => {
    const bare = runCli([
      'deploy',
      'aci',
      join(work, 'aci'),
      '--image',
      'acme.azurecr.io/hello',
      '--out',
      join(work, 'arm0'),
      '--json',
    ]);
    expect(bare.status, bare.stderr + bare.stdout).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ hostData: null, inRelease: false });
    const template = JSON.parse(readFileSync(join(work, 'arm0', 'template.json'), 'utf8'));
    const group = template.resources[0].properties;
    expect(group.confidentialComputeProperties.ccePolicy).toBe('');
    expect(group.containers[0].properties.image).toBe(`acme.azurecr.io/hello@${plain.imageDigest}`);
    const policy = join(project, 'deploy', 'cce-policy.b64');
    const args = [
      'deploy',
      'aci',
      join(work, 'aci'),
      '--image',
      'acme.azurecr.io/hello',
      '--cce-policy',
      policy,
      '--out',
      join(work, 'arm1'),
      '--json',
    ];
    expect(JSON.parse(runCli(args).stdout).error.code).toBe('ACI_PERMISSIVE_POLICY');
    const full = runCli([...args, '--insecure-allow-exec']);
    expect(full.status, full.stderr + full.stdout).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ hostData: aci.fields['hostData'], inRelease: true });
  });

  it('the real ACI evidence is accepted against that release, every value compared', async () => {
    const accepted = acceptMeasurementFromRelease(await aciEvidence(), release('aci'));
    expect(accepted.compared.map((c) => `${c.key}:${c.ok}`)).toEqual([
      'sev-snp:true',
      'snp.guestPolicy:true',
      'snp.hostData:true',
      'snp.minTcb:true',
    ]);
  });

  it('k8s: host_data becomes the Kata initdata digest, which deploy k8s confirms and the ACI evidence does not match', async () => {
    configure({
      ...snpValues('k8s'),
      tdx: { mrtd: 'ab'.repeat(48), mrConfigId: 'k8s', tcbStatus: ['UpToDate'] },
    });
    const built = build('k8s');
    expect(built.imageDigest).toBe(plain.imageDigest);
    expect(built.measurements['snp.hostData']).toMatch(/^[0-9a-f]{64}$/);
    expect(built.measurements['tdx.mrConfigId']).toMatch(/^[0-9a-f]{96}$/);
    expect(built.measurements['tdx.tcbStatus']).toBe('UpToDate');
    for (const platform of ['snp', 'tdx']) {
      const r = runCli([
        'deploy',
        'k8s',
        join(work, 'k8s'),
        '--image',
        'registry.example/acme/hello',
        '--platform',
        platform,
        '--out',
        join(work, `m-${platform}`),
        '--json',
      ]);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        inRelease: true,
        initdataDigest: built.measurements[platform === 'snp' ? 'snp.hostData' : 'tdx.mrConfigId'],
      });
    }
    const report = await aciEvidence();
    expect(() => acceptMeasurementFromRelease(report, release('k8s'))).toThrow(
      expect.objectContaining({ code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED', field: 'snp.hostData' }),
    );
  }, 300_000);

  it.each([
    [{ 'sev-snp': { measurement: 'zz' } }, 'platforms.sev-snp.measurement'],
    [{ 'sev-snp': { hostData: 'k8s' } }, 'platforms.sev-snp.measurement is required'],
    [{ tdx: { mrtd: 'ab'.repeat(48), tcbStatus: ['Fine'] } }, 'platforms.tdx.tcbStatus'],
    [{ nitro: { pcr1: 'ab'.repeat(48) } }, 'pcr0'],
    [
      { 'sev-snp': { measurement: 'ab'.repeat(48), hostData: { aciPolicy: '../outside.b64' } } },
      'leaves the project folder',
    ],
    [{ 'sev-snp': { measurement: 'ab'.repeat(48), hostData: { aciPolicy: 'package.json' } } }, 'not base64'],
    [
      {
        'sev-snp': {
          measurement: 'ab'.repeat(48),
          hostData: { aciPolicy: 'deploy/cce-policy.b64', insecureAllowExec: 'yes' },
        },
      },
      'insecureAllowExec',
    ],
    [{ azure: {} }, 'unknown key "azure"'],
  ])('a mistake in platforms is a build error naming it: %j', (platforms, message) => {
    configure(platforms);
    const r = runCli(['build', project, '--out', join(work, 'bad'), '--json']);
    expect(r.status).toBe(2);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('BUILD_BAD_OPTIONS');
    expect(error.message).toContain(message);
  });
});
