import { resolve } from 'node:path';
import { buildApp } from '@blindbox/builder';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { defaultOutDir } from '../resolve-build-dir.js';

export default class Build extends BaseCommand {
  static override description =
    'Analyse the @enclave class, bundle it into a reproducible OCI image, compute its measurements, write the release statement and generate the typed client.';

  static override examples = [
    '<%= config.bin %> build',
    '<%= config.bin %> build templates/hello --out out/hello',
    'SOURCE_DATE_EPOCH=1700000000 <%= config.bin %> build --json',
  ];

  static override args = {
    dir: Args.directory({ description: 'project folder (package.json + src/)', default: '.', exists: true }),
  };

  static override flags = {
    out: Flags.directory({ description: 'output folder [default: <dir>/.blindbox/build]' }),
    'source-date-epoch': Flags.integer({
      description:
        'timestamp for every file in the image [default: $SOURCE_DATE_EPOCH, else the commit time in a git work tree, else 0]',
      min: 0,
    }),
    archive: Flags.boolean({ description: 'also write the image as an oci-archive tarball, image.tar' }),
    offline: Flags.boolean({ description: 'never fetch the Node runtime or libraries: use the cache only' }),
    'client-name': Flags.string({
      description:
        'npm name of the generated client package, e.g. @acme/hello-client [default: <app>-client]',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Build);
    const projectDir = resolve(args.dir);
    const result = await buildApp({
      projectDir,
      outDir: resolve(flags.out ?? defaultOutDir(projectDir)),
      ...(flags['source-date-epoch'] !== undefined ? { sourceDateEpoch: flags['source-date-epoch'] } : {}),
      ...(flags.archive ? { archive: true } : {}),
      ...(flags.offline ? { offline: true } : {}),
      ...(flags['client-name'] !== undefined ? { clientPackageName: flags['client-name'] } : {}),
      log: (message) => this.logToStderr(message),
    });
    const summary = {
      app: result.manifest.app.name,
      version: result.manifest.app.version,
      outDir: result.outDir,
      imageDigest: result.imageDigest,
      measurements: result.measurements,
      endpoints: result.manifest.endpoints.map((e) => e.name),
      clientDir: result.clientDir,
    };
    this.log(`built ${summary.app}@${summary.version} → ${summary.outDir}`);
    this.log(`  endpoints:    ${summary.endpoints.join(', ')}`);
    this.log(`  image digest: ${summary.imageDigest}`);
    for (const [name, value] of Object.entries(result.measurements))
      this.log(`  ${name.padEnd(13)} ${value}`);
    this.log(`  client:       ${summary.clientDir}`);
    return summary;
  }
}
