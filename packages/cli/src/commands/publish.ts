import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { publishBuild } from '../release/publish-build.js';

export default class Publish extends BaseCommand {
  static override description =
    "Sign an existing build's release statement (<build-dir>/release.json) with a key file, log it in a transparency log, and write the Sigstore bundle to <build-dir>/release.sigstore.json.";

  static override examples = [
    '<%= config.bin %> publish .blindbox/build --key release.key --log http://127.0.0.1:3100',
    '<%= config.bin %> publish dist/enclave --key release.key --log http://127.0.0.1:3100 --json',
    '<%= config.bin %> publish dist/enclave --keyless   # in CI: Fulcio certificate from the OIDC token, public Rekor',
  ];

  static override args = {
    buildDir: Args.directory({
      description: 'the build folder holding release.json',
      required: true,
      exists: true,
    }),
  };

  static override flags = {
    key: Flags.file({
      description: 'ECDSA P-256 private key (from `blindbox keys generate`); needs --log',
      exists: true,
      exactlyOne: ['key', 'keyless'],
      // a key-signed release has no public log to fall back on: name the log (e.g. `blindbox log serve`)
      dependsOn: ['log'],
    }),
    keyless: Flags.boolean({
      description:
        'sign with a Fulcio certificate for the CI OIDC identity (SIGSTORE_ID_TOKEN or GitHub Actions id-token)',
      exactlyOne: ['key', 'keyless'],
    }),
    fulcio: Flags.string({
      description: 'Fulcio URL for --keyless [default: https://fulcio.sigstore.dev]',
      dependsOn: ['keyless'],
    }),
    tsa: Flags.string({
      description: 'RFC 3161 timestamp authority URL to add a signed timestamp (optional)',
    }),
    log: Flags.string({
      description:
        'transparency log URL (`blindbox log serve`, or any Rekor v1 API) [default with --keyless: public Rekor]',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Publish);
    const result = await publishBuild(
      args.buildDir,
      // --key dependsOn --log; publishBuild refuses a key without a log all the same
      flags.key
        ? { key: flags.key, log: flags.log ?? '', tsa: flags.tsa }
        : { keyless: true, log: flags.log, fulcio: flags.fulcio, tsa: flags.tsa },
    );
    this.log(
      `✔ ${result.app}@${result.version} signed and logged at index ${result.logIndex} of ${result.log}`,
    );
    this.log(`  bundle: ${result.bundle}`);
    return result;
  }
}
