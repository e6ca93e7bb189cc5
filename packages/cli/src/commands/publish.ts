import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signRelease, TransparencyError } from '@blindbox/transparency';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError } from '../base-command.js';

/** What `blindbox publish` reports. */
export interface PublishResult {
  ok: true;
  bundle: string;
  logIndex: number;
  integratedTime: string;
  log: string;
  app: string;
  version: string;
  subject: string;
}

/**
 * Signs `<buildDir>/release.json` with a key file, logs it, and writes the bundle to
 * `<buildDir>/release.sigstore.json`.
 */
export async function publishBuild(
  buildDir: string,
  options: ({ key: string; log: string } | { keyless: true; log?: string; fulcio?: string }) & {
    tsa?: string;
  },
): Promise<PublishResult> {
  const releasePath = join(buildDir, 'release.json');
  let statement: {
    subject?: Array<{ digest?: { sha256?: string } }>;
    predicate?: { app?: string; version?: string };
  };
  try {
    statement = JSON.parse(await readFile(releasePath, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `cannot read the release statement ${releasePath}: ${(err as Error).message}. Run \`blindbox build\` first.`,
    );
  }
  let bundle: Awaited<ReturnType<typeof signRelease>>;
  try {
    bundle = await signRelease(statement, {
      signer:
        'key' in options
          ? { kind: 'key', keyFile: options.key }
          : { kind: 'keyless', fulcioUrl: options.fulcio },
      log: options.log ? { url: options.log } : 'public-rekor',
      tsa: options.tsa ? { url: options.tsa } : undefined,
    });
  } catch (err) {
    if (err instanceof TransparencyError) throw new UsageError(err.message, err.code);
    throw err;
  }
  const out = join(buildDir, 'release.sigstore.json');
  await writeFile(out, `${JSON.stringify(bundle, null, 2)}\n`);
  const entry = bundle.verificationMaterial.tlogEntries[0];
  return {
    ok: true,
    bundle: out,
    // protobuf JSON omits zero values: a missing logIndex is index 0
    logIndex: Number(entry?.logIndex ?? 0),
    integratedTime: new Date(Number(entry?.integratedTime) * 1000).toISOString(),
    log: options.log ?? 'https://rekor.sigstore.dev',
    app: statement.predicate?.app ?? '',
    version: statement.predicate?.version ?? '',
    subject: statement.subject?.[0]?.digest?.sha256 ?? '',
  };
}

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
      description: 'ECDSA P-256 private key (from `blindbox keys generate`)',
      exists: true,
      exactlyOne: ['key', 'keyless'],
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
    if (flags.key && !flags.log)
      throw new UsageError('--key needs --log <url> (e.g. the URL `blindbox log serve` prints)');
    const result = await publishBuild(
      args.buildDir,
      flags.key
        ? { key: flags.key, log: flags.log as string, tsa: flags.tsa }
        : { keyless: true, log: flags.log, fulcio: flags.fulcio, tsa: flags.tsa },
    );
    this.log(
      `✔ ${result.app}@${result.version} signed and logged at index ${result.logIndex} of ${result.log}`,
    );
    this.log(`  bundle: ${result.bundle}`);
    return result;
  }
}
