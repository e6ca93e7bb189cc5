import { existsSync } from 'node:fs';
import { BuildError, ImagePushError, pushOciImage, type RegistryCredentials } from '@blindbox/builder';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';

/** Codes that mean the call itself was wrong (exit 2); every other push failure is a "no" (exit 1). */
const USAGE_CODES = new Set(['IMAGE_PUSH_BAD_REF']);
const MAX_PASSWORD_BYTES = 64 * 1024;

export default class ImagePush extends BaseCommand {
  static override description =
    'Push an OCI image layout folder or oci-archive tarball (from blindbox build) to a registry over the OCI distribution API. Every digest is rechecked first; blobs the registry already holds are skipped; the registry must confirm the manifest digest. Exit 1 when the push fails.';

  static override examples = [
    '<%= config.bin %> image push .blindbox/build/image registry.example.com/team/hello:0.1.0',
    '<%= config.bin %> image push .blindbox/build/image.tar 127.0.0.1:5000/hello --insecure-http --json',
    '<%= config.bin %> image push .blindbox/build/image ghcr.io/org/hello:0.1.0 --username org-bot --password-stdin < token.txt',
  ];

  static override args = {
    image: Args.string({
      description: 'an OCI image layout folder or an oci-archive tarball',
      required: true,
    }),
    ref: Args.string({
      description:
        "host[:port]/name[:tag] or host[:port]/name@sha256:<hex>; without a tag, the image's own (the app version)",
      required: true,
    }),
  };

  static override flags = {
    'insecure-http': Flags.boolean({
      description:
        'speak plain HTTP to the registry and its token service (a local test registry) [default: HTTPS]',
    }),
    username: Flags.string({
      description:
        'registry user name [default: $BLINDBOX_REGISTRY_USER]; the password comes from --password-stdin',
    }),
    'password-stdin': Flags.boolean({
      description: 'read the registry password or token from stdin [default: $BLINDBOX_REGISTRY_PASSWORD]',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(ImagePush);
    if (!existsSync(args.image))
      throw new UsageError(
        `${args.image} does not exist: pass the image folder or image.tar that blindbox build wrote`,
      );
    const credentials = await this.credentials(flags.username, flags['password-stdin']);
    const json = this.jsonEnabled();
    let result: Awaited<ReturnType<typeof pushOciImage>>;
    try {
      result = await pushOciImage(args.image, args.ref, {
        insecureHttp: flags['insecure-http'],
        ...(credentials ? { credentials } : {}),
        ...(json ? {} : { log: (line: string) => this.logToStderr(`  ${line}`) }),
      });
    } catch (err) {
      throw asCommandError(err);
    }
    const uploaded = result.blobs.filter((b) => b.uploaded).length;
    this.log(
      `✔ pushed ${result.ref} (${uploaded} of ${result.blobs.length} blobs uploaded, the rest already there)`,
    );
    this.log(`  ${result.pinnedRef}`);
    return { ok: true, ...result };
  }

  private async credentials(
    flagUser: string | undefined,
    passwordStdin: boolean,
  ): Promise<RegistryCredentials | undefined> {
    const username = flagUser ?? process.env.BLINDBOX_REGISTRY_USER;
    let password = process.env.BLINDBOX_REGISTRY_PASSWORD;
    if (passwordStdin) {
      if (process.stdin.isTTY)
        throw new UsageError('--password-stdin reads the password from a pipe, not a terminal');
      password = (await readStdin()).replace(/\r?\n$/, '');
    }
    if (username === undefined && password === undefined) return undefined;
    if (!username)
      throw new UsageError(
        'a registry password needs a user name: pass --username or set BLINDBOX_REGISTRY_USER',
      );
    if (!password)
      throw new UsageError(
        `no password for registry user ${username}: pipe it to --password-stdin or set BLINDBOX_REGISTRY_PASSWORD`,
      );
    return { username, password };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_PASSWORD_BYTES)
      throw new UsageError(`stdin holds more than ${MAX_PASSWORD_BYTES} bytes: not a password`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A failed push is exit 1 with its code (and the registry's status and code); a bad reference is exit 2. */
function asCommandError(err: unknown): Error {
  if (!(err instanceof BuildError)) return err as Error;
  if (USAGE_CODES.has(err.code)) return new UsageError(err.message, err.code);
  const { status, registryCode } = err instanceof ImagePushError ? err : {};
  return new VerdictError(err.message, err.code, {
    ok: false,
    error: {
      code: err.code,
      message: err.message,
      ...(status === undefined ? {} : { status }),
      ...(registryCode === undefined ? {} : { registryCode }),
    },
  });
}
