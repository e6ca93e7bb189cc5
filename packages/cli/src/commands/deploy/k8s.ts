import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildK8sManifests,
  K8sDeployError,
  type K8sPlatform,
  readWorkloadSpec,
} from '@blindbox/builder/deploy-k8s';
import { HEALTH_PATH } from '@blindbox/protocol';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';

/** The measurement a release records for each platform's initdata binding. */
const RELEASE_KEY = { snp: 'snp.hostData', tdx: 'tdx.mrConfigId' } as const;

function releaseOf(buildDir: string): { app: string; measurements: Record<string, string> } {
  try {
    const statement = JSON.parse(readFileSync(join(buildDir, 'release.json'), 'utf8')) as {
      predicate?: { app?: string; measurements?: Record<string, string> };
    };
    const app = statement.predicate?.app;
    if (typeof app !== 'string') throw new Error('it names no app');
    return { app, measurements: statement.predicate?.measurements ?? {} };
  } catch (err) {
    throw new UsageError(
      `cannot read ${join(buildDir, 'release.json')}: ${(err as Error).message}; run blindbox build first`,
    );
  }
}

export default class DeployK8s extends BaseCommand {
  static override description =
    'Write a Deployment and a Service that run a built app in Kubernetes confidential containers (Kata/CoCo): the image pinned by digest, the initdata with an agent policy that admits only this container as the pod annotation, and the RuntimeClass of the platform. The initdata digest is checked against the release before anything is written.';

  static override examples = [
    '<%= config.bin %> deploy k8s .blindbox/build --image registry.example.com/acme/transcriber',
    '<%= config.bin %> deploy k8s .blindbox/build --image registry.example.com/acme/transcriber --platform tdx --replicas 3 --out k8s/',
  ];

  static override args = {
    buildDir: Args.string({
      description: 'the folder blindbox build wrote (with image/ and release.json)',
      required: true,
    }),
  };

  static override flags = {
    image: Flags.string({
      description: 'the image repository the cluster pulls from (no tag: the digest is pinned)',
      required: true,
    }),
    out: Flags.string({ description: 'where to write the manifests', default: 'k8s' }),
    platform: Flags.string({
      description: 'the TEE the pods run in',
      options: ['snp', 'tdx'],
      default: 'snp',
    }),
    replicas: Flags.integer({
      description: 'number of pods (each its own TEE, attested on its own)',
      default: 2,
      min: 1,
    }),
    'runtime-class': Flags.string({
      description: 'RuntimeClass of the Kata install (default kata-qemu-<platform>)',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(DeployK8s);
    const buildDir = resolve(args.buildDir);
    const platform = flags.platform as K8sPlatform;
    const release = releaseOf(buildDir);
    let out: ReturnType<typeof buildK8sManifests>;
    try {
      out = buildK8sManifests({
        app: release.app,
        repository: flags.image,
        workload: readWorkloadSpec(join(buildDir, 'image')),
        platform,
        replicas: flags.replicas,
        ...(flags['runtime-class'] ? { runtimeClassName: flags['runtime-class'] } : {}),
        healthPath: HEALTH_PATH,
      });
    } catch (err) {
      if (err instanceof K8sDeployError) throw new UsageError(err.message, err.code);
      throw err;
    }
    const recorded = release.measurements[RELEASE_KEY[platform]];
    if (recorded !== undefined && recorded !== out.initdataDigest) {
      // The release is what clients check: manifests whose initdata it does not name would never attest.
      throw new VerdictError(
        `the initdata these manifests carry hashes to ${out.initdataDigest}, but the release records ${RELEASE_KEY[platform]} = ${recorded}: rebuild, then deploy the same build`,
        'K8S_INITDATA_MISMATCH',
      );
    }
    const outDir = resolve(flags.out);
    mkdirSync(outDir, { recursive: true });
    const files = {
      deployment: join(outDir, 'deployment.json'),
      service: join(outDir, 'service.json'),
      initdata: join(outDir, 'initdata.toml'),
    };
    writeFileSync(files.deployment, `${JSON.stringify(out.deployment, null, 2)}\n`);
    writeFileSync(files.service, `${JSON.stringify(out.service, null, 2)}\n`);
    writeFileSync(files.initdata, out.initdata);
    this.log(`✔ ${platform} manifests for ${release.app} in ${outDir}`);
    this.log(
      `  ${RELEASE_KEY[platform]}: ${out.initdataDigest}${recorded ? ' (matches the release)' : ' (not in this release: clients cannot check it)'}`,
    );
    this.log(`  apply: kubectl apply -f ${outDir}`);
    return {
      ok: true,
      platform,
      files,
      initdataDigest: out.initdataDigest,
      inRelease: recorded !== undefined,
    };
  }
}
