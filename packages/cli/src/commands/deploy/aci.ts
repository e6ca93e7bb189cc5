import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AciDeployError, buildAciTemplate, readCcePolicy } from '@blindbox/builder/deploy-aci';
import { readWorkloadSpec } from '@blindbox/builder/deploy-k8s';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

export default class DeployAci extends BaseCommand {
  static override description =
    "Write an ARM template for an Azure Container Instances confidential container group running the built image by digest. The security policy (ccePolicy) comes from Microsoft's `az confcom acipolicygen`: run this command without --cce-policy for a template to generate it from, then again with --cce-policy; its SHA-256 is the SEV-SNP host_data clients must require (snp.hostData in the release, from platforms.sev-snp.hostData.aciPolicy in blindbox.config.json).";

  static override examples = [
    '<%= config.bin %> deploy aci .blindbox/build --image acme.azurecr.io/transcriber',
    'az confcom acipolicygen -a aci/template.json --print-policy > deploy/cce-policy.b64',
    '<%= config.bin %> deploy aci .blindbox/build --image acme.azurecr.io/transcriber --cce-policy policy.b64',
  ];

  static override args = {
    buildDir: Args.string({
      description: 'the folder blindbox build wrote (with image/ and release.json)',
      required: true,
    }),
  };

  static override flags = {
    image: Flags.string({
      description: 'the image repository ACI pulls from (no tag: the digest is pinned)',
      required: true,
    }),
    'cce-policy': Flags.string({
      description:
        'file with the base64 ccePolicy that az confcom acipolicygen printed (without it: a template to generate the policy from, not to deploy)',
    }),
    out: Flags.string({ description: 'where to write the ARM template', default: 'aci' }),
    'insecure-allow-exec': Flags.boolean({
      description:
        'accept a policy that lets the host exec into the container (the debug policy): for tests only',
      default: false,
    }),
  };

  async run() {
    const { args, flags } = await this.parse(DeployAci);
    const buildDir = resolve(args.buildDir);
    const release = JSON.parse(readText(join(buildDir, 'release.json'), 'release')) as {
      predicate?: { app?: string; measurements?: Record<string, string> };
    };
    let template: Record<string, unknown>;
    let hostData: string | undefined;
    try {
      const policyFile = flags['cce-policy'];
      const policy =
        policyFile === undefined
          ? undefined
          : readCcePolicy(readText(policyFile, 'ccePolicy'), {
              insecureAllowExec: flags['insecure-allow-exec'],
            });
      hostData = policy?.hostData;
      const { imageDigest } = readWorkloadSpec(join(buildDir, 'image'));
      template = buildAciTemplate({
        app: release.predicate?.app ?? '',
        repository: flags.image,
        imageDigest,
        ...(policy ? { policy } : {}),
      });
    } catch (err) {
      if (err instanceof AciDeployError) throw new UsageError(err.message, err.code);
      throw err;
    }
    const recorded = release.predicate?.measurements?.['snp.hostData'];
    if (hostData !== undefined && recorded !== undefined && recorded !== hostData) {
      throw new VerdictError(
        `this ccePolicy gives host_data ${hostData}, but the release records snp.hostData = ${recorded}: build with this policy, or pass the policy the release was built with`,
        'ACI_HOST_DATA_MISMATCH',
      );
    }
    const outDir = resolve(flags.out);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, 'template.json');
    writeFileSync(file, `${JSON.stringify(template, null, 2)}\n`);
    this.log(`✔ ARM template: ${file}`);
    if (hostData === undefined) {
      this.log(
        '  ccePolicy: empty. Not for deployment: generate the policy from this template, then run this command with it:',
      );
      this.log(`    az confcom acipolicygen -a ${file} --print-policy > deploy/cce-policy.b64`);
      this.log(
        `    ${this.config.bin} deploy aci ${args.buildDir} --image ${flags.image} --cce-policy deploy/cce-policy.b64`,
      );
      this.log(
        '  and record it in the release: platforms.sev-snp.hostData = { "aciPolicy": "deploy/cce-policy.b64" } in blindbox.config.json, then build again.',
      );
      return { ok: true, file, hostData: null, inRelease: false };
    }
    this.log(
      `  host_data (SHA-256 of the policy): ${hostData}${recorded ? ' (matches the release)' : ' (not in this release)'}`,
    );
    this.log(`  deploy: az deployment group create -g <group> --template-file ${file}`);
    return { ok: true, file, hostData, inRelease: recorded !== undefined };
  }
}
