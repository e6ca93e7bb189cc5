import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Isolation, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { corsOriginEnv, corsOriginFlag, hostFlag, portFlag } from '../flags/server-flags.js';
import { simRootDir, simRootFlag } from '../flags/simulator-flags.js';
import { resolveBuildDir } from '../resolve-build-dir.js';

export default class Serve extends BaseCommand {
  static override description =
    'Run a built enclave image in the local simulated TEE. The simulator measures the files it loads and signs evidence with its root key; clients accept it only with allowSimulated.';

  static override examples = [
    '<%= config.bin %> serve templates/hello',
    '<%= config.bin %> serve .blindbox/build --port 9000 --sim-root ./sim-root',
  ];

  static override args = {
    'build-dir': Args.directory({
      description: 'a build folder, or a project folder',
      required: true,
      exists: true,
    }),
  };

  static override flags = {
    port: portFlag({ default: 8080 }),
    host: hostFlag,
    'sim-root': simRootFlag(),
    release: Flags.file({
      description:
        'signed release bundle to offer clients [default: <build-dir>/release.sigstore.json if present]',
      exists: true,
    }),
    'log-calls': Flags.boolean({ description: 'log each call outcome and duration (never content)' }),
    'cors-origin': corsOriginFlag,
    isolation: Flags.string({
      description:
        "how to run the image: runc (its own rootfs and Node), chroot (root only), host-node (this machine's Node on the app files: NOT what was measured, reports carry the debug flag) [default: $BLINDBOX_ISOLATION or auto: runc, else chroot as root]",
      options: ['auto', 'runc', 'chroot', 'host-node'],
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Serve);
    const { buildDir, summary } = resolveBuildDir(args['build-dir']);
    const bundled = join(buildDir, 'release.sigstore.json');
    const releaseFile = flags.release ?? (existsSync(bundled) ? bundled : undefined);
    const enclave = await startSimulatedEnclave({
      imageDir: join(buildDir, 'image'),
      simRootDir: simRootDir(flags['sim-root']),
      port: flags.port,
      host: flags.host,
      ...(releaseFile ? { releaseFile } : {}),
      ...(flags.isolation ? { isolation: flags.isolation as Isolation } : {}),
      env: {
        ...(flags['log-calls'] ? { BLINDBOX_LOG: 'calls' } : {}),
        ...corsOriginEnv(flags['cors-origin']),
      },
    });
    const info = {
      url: enclave.url,
      app: summary.app,
      version: summary.version,
      platform: 'simulated',
      isolation: enclave.isolation,
      measurement: enclave.measurement,
      imageDigest: enclave.imageDigest,
      simulatorRoot: enclave.simRootPublicKey,
      release: releaseFile ?? null,
    };
    if (enclave.isolation === 'host-node') {
      this.logToStderr(
        "warning: host-node mode: this machine's Node runs the app files, not the image's runtime layer. The measurement does not cover what runs; reports carry the debug flag, so clients refuse them unless they pass allowDebug.",
      );
    }
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      this.log(
        `serving ${summary.app}@${summary.version} at ${enclave.url} (simulated TEE, ${enclave.isolation})`,
      );
      this.log(`  measurement:    ${enclave.measurement}`);
      this.log(`  simulator root: ${enclave.simRootPublicKey}`);
      if (enclave.measurement !== summary.measurements.simulated) {
        this.warn('the measured image differs from build.json: the build folder was changed after the build');
      }
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      enclave.process.once('exit', stop);
    });
    await enclave.stop();
    if (enclave.process.exitCode && enclave.process.exitCode !== 0) this.exit(1);
  }
}
