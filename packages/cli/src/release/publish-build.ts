import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signRelease, TransparencyError } from '@blindbox/transparency';
import { UsageError } from '../base-command.js';

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
 * How to sign: a key file, logged in the log at `log`; or keyless (a Fulcio certificate for the CI's
 * OIDC identity), logged in `log` or, without it, the public Rekor log.
 */
export type PublishOptions = (
  | { key: string; log: string }
  | {
      keyless: true;
      /** Default: the public Rekor log. */
      log?: string;
      /** Default: the public Fulcio (https://fulcio.sigstore.dev). */
      fulcio?: string;
    }
) & {
  /** RFC 3161 timestamp authority URL. Default: none (no signed timestamp). */
  tsa?: string;
};

/**
 * Signs `<buildDir>/release.json`, logs it, and writes the bundle to
 * `<buildDir>/release.sigstore.json`. A missing statement or a refused signature is a
 * {@link UsageError} (exit 2).
 */
export async function publishBuild(buildDir: string, options: PublishOptions): Promise<PublishResult> {
  // A key-signed release must go to the log its verifiers pin, never by default to the public one.
  if ('key' in options && !options.log)
    throw new UsageError('--key needs --log <url> (e.g. the URL `blindbox log serve` prints)');
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
