import { type FSWatcher, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '@blindbox/builder';
import { type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { corsOriginEnv, corsOriginFlag, portFlag } from '../flags/server-flags.js';
import { simRootDir, simRootFlag } from '../flags/simulator-flags.js';
import { defaultOutDir } from '../resolve-build-dir.js';

export default class Dev extends BaseCommand {
  static override description =
    'Build the app, serve it in the simulated TEE, and rebuild and restart whenever a source file changes.';

  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev templates/hello --port 9000'];

  static override enableJsonFlag = false;

  static override args = {
    dir: Args.directory({ description: 'project folder', default: '.', exists: true }),
  };

  static override flags = {
    port: portFlag({ default: 8080 }),
    'sim-root': simRootFlag(),
    'cors-origin': corsOriginFlag,
  };

  async run() {
    const { args, flags } = await this.parse(Dev);
    const projectDir = resolve(args.dir);
    const outDir = defaultOutDir(projectDir);
    let enclave: SimulatedEnclave | undefined;
    let timer: NodeJS.Timeout | undefined;
    let queue = Promise.resolve();

    const cycle = async () => {
      if (enclave) {
        await enclave.stop();
        enclave = undefined;
      }
      try {
        const started = performance.now();
        const result = await buildApp({ projectDir, outDir });
        this.log(
          `built ${result.manifest.app.name} in ${Math.round(performance.now() - started)} ms (${result.imageDigest})`,
        );
        enclave = await startSimulatedEnclave({
          imageDir: join(outDir, 'image'),
          simRootDir: simRootDir(flags['sim-root']),
          port: flags.port,
          env: {
            BLINDBOX_LOG: 'calls',
            // An output the handler's declared type refuses is answered with path, expected and found.
            BLINDBOX_DEV_REVEAL_OUTPUT_ISSUES: '1',
            ...corsOriginEnv(flags['cors-origin']),
          },
        });
        this.log(
          `serving at ${enclave.url} (simulated TEE, measurement ${enclave.measurement.slice(0, 16)}…)`,
        );
        this.log(`  generated client: ${result.clientDir}`);
      } catch (err) {
        const e = err as Error & { code?: string };
        this.logToStderr(`${e.code ? `${e.code}: ` : ''}${e.message}`);
        this.logToStderr('waiting for a change…');
      }
    };

    const watchers: FSWatcher[] = [
      watch(join(projectDir, 'src'), { recursive: true }),
      watch(join(projectDir, 'package.json')),
    ];
    for (const w of watchers) {
      w.on('change', () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          queue = queue.then(cycle);
        }, 150);
      });
    }
    queue = queue.then(cycle);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    for (const w of watchers) w.close();
    clearTimeout(timer);
    await queue;
    await enclave?.stop();
  }
}
