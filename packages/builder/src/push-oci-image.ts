// The client for the OCI distribution API is written here on Node's fetch: a push needs five
// requests (HEAD blob, POST upload, PUT upload, PUT manifest, and the token fetch), which does not
// justify a registry library and its dependency tree in the build tool.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { BuildError } from './build-error.js';
import { ImagePushError } from './image-push-error.js';
import { locateImageBlobs } from './locate-image-blobs.js';
import { type ImageRef, parseImageRef } from './parse-image-ref.js';
import { RegistryAuth, type RegistryCredentials } from './registry-auth.js';
import { verifyOciImage } from './verify-oci-image.js';

export { ImagePushError } from './image-push-error.js';
export type { RegistryCredentials } from './registry-auth.js';

const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const MAX_ERROR_BODY = 64 * 1024;

/** Options of {@link pushOciImage}. */
export interface PushOptions {
  /** Speak plain HTTP to the registry (and to its token realm). Default: false (HTTPS only). */
  insecureHttp?: boolean;
  /** Sent only when the registry asks (a 401 challenge). Default: none (anonymous push). */
  credentials?: RegistryCredentials;
  /** Progress lines (one per blob). Default: silent. */
  log?: (message: string) => void;
}

/** What {@link pushOciImage} pushed. */
export interface PushResult {
  /** The reference pushed to, normalised: `host/name:tag` or `host/name@sha256:…`. */
  ref: string;
  /** The same, pinned by digest: `host/name@sha256:…` (what to deploy). */
  pinnedRef: string;
  registry: string;
  name: string;
  tag?: string;
  /** `sha256:<hex>` of the image manifest; the registry confirmed it. */
  manifestDigest: string;
  /** Each blob (config, layers): whether it was uploaded or was already in the registry. */
  blobs: { digest: string; size: number; role: string; uploaded: boolean }[];
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
}

/**
 * Pushes an OCI image layout folder or oci-archive tarball to a registry (OCI distribution spec:
 * HEAD each blob, upload the missing ones monolithically, then PUT the manifest's exact bytes).
 * Every digest of the image is rechecked first, so a corrupted layout is never pushed; blobs are
 * streamed from disk and hashed again on the way out.
 *
 * The tag is the reference's, else the layout's `org.opencontainers.image.ref.name` (the build
 * writes the app's version). A reference pinned by digest must name this image's manifest digest.
 */
export async function pushOciImage(
  image: string,
  ref: string,
  options: PushOptions = {},
): Promise<PushResult> {
  const target = parseImageRef(ref);
  const log = options.log ?? (() => {});
  const report = await verifyOciImage(image);
  if (report.problems.length > 0) {
    throw new BuildError(
      'IMAGE_INVALID',
      `${image} fails verification, nothing was pushed:\n${report.problems.map((p) => `  ✗ ${p}`).join('\n')}`,
    );
  }
  const blobs = await locateImageBlobs(image);
  const index = JSON.parse((await blobs.read('index.json')).toString('utf8')) as { manifests?: Descriptor[] };
  const top = index.manifests?.[0] ?? {};
  const manifestDigest = String(top.digest);
  const manifestBytes = await blobs.read(blobPath(manifestDigest));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
    mediaType?: string;
    config: Descriptor;
    layers?: Descriptor[];
  };
  const mediaType = manifest.mediaType ?? top.mediaType;
  if (mediaType !== MANIFEST_MEDIA_TYPE) {
    throw new BuildError(
      'IMAGE_INVALID',
      `${image}: the first manifest is ${JSON.stringify(mediaType)}, expected an image manifest (${MANIFEST_MEDIA_TYPE})`,
    );
  }
  if (target.digest && target.digest !== manifestDigest) {
    throw new ImagePushError(
      'IMAGE_PUSH_DIGEST_MISMATCH',
      `${ref} pins ${target.digest}, but ${image} is ${manifestDigest}: push by tag, or pin this image's digest`,
    );
  }
  const tag =
    target.tag ?? (target.digest ? undefined : top.annotations?.['org.opencontainers.image.ref.name']);
  if (!target.digest && tag === undefined) {
    throw new ImagePushError(
      'IMAGE_PUSH_BAD_REF',
      `${ref} names no tag and ${image} carries no org.opencontainers.image.ref.name: add :<tag> or @${manifestDigest}`,
    );
  }
  const registry = new RegistryClient(target, options);
  const pushed: PushResult['blobs'] = [];
  const seen = new Set<string>();
  for (const [role, desc] of [
    ['config', manifest.config] as const,
    ...(manifest.layers ?? []).map((l, i) => [`layer ${i}`, l] as const),
  ]) {
    const digest = String(desc.digest);
    const size = Number(desc.size);
    if (seen.has(digest)) continue;
    seen.add(digest);
    const uploaded = !(await registry.hasBlob(digest));
    if (uploaded) await registry.uploadBlob(digest, size, () => blobs.stream(blobPath(digest)));
    log(`${uploaded ? 'pushed' : 'exists'} ${role.padEnd(8)} ${digest} (${size} bytes)`);
    pushed.push({ digest, size, role, uploaded });
  }
  const reference = tag ?? manifestDigest;
  await registry.putManifest(reference, manifestBytes, MANIFEST_MEDIA_TYPE, manifestDigest);
  log(`pushed manifest ${manifestDigest} as ${reference}`);
  const base = `${target.registry}/${target.name}`;
  return {
    ref: tag === undefined ? `${base}@${manifestDigest}` : `${base}:${tag}`,
    pinnedRef: `${base}@${manifestDigest}`,
    registry: target.registry,
    name: target.name,
    ...(tag === undefined ? {} : { tag }),
    manifestDigest,
    blobs: pushed,
  };
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
}

/** The few distribution API calls a push makes, with auth challenges answered on the way. */
class RegistryClient {
  readonly #origin: string;
  readonly #name: string;
  readonly #scope: string;
  readonly #auth: RegistryAuth;
  readonly #insecureHttp: boolean;

  constructor(target: ImageRef, options: PushOptions) {
    this.#insecureHttp = options.insecureHttp === true;
    this.#origin = `${this.#insecureHttp ? 'http' : 'https'}://${target.registry}`;
    this.#name = target.name;
    this.#scope = `repository:${target.name}:pull,push`;
    this.#auth = new RegistryAuth(options.credentials, this.#insecureHttp);
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.#request(
      'HEAD',
      `/v2/${this.#name}/blobs/${digest}`,
      {},
      `check blob ${digest}`,
      [200, 404],
    );
    return res.status === 200;
  }

  async uploadBlob(digest: string, size: number, open: () => Readable): Promise<void> {
    const started = await this.#request(
      'POST',
      `/v2/${this.#name}/blobs/uploads/`,
      { headers: { 'content-length': '0' } },
      `start the upload of ${digest}`,
      [202],
    );
    const location = started.headers.get('location');
    if (!location)
      throw this.#failure(`start the upload of ${digest}`, started, undefined, 'no Location header');
    // Spec "Pushing a blob monolithically": PUT <location>?digest=<digest>, keeping any query the
    // registry put in the location (its upload state), whether the location is relative or absolute.
    const url = new URL(location, `${this.#origin}/v2/${this.#name}/blobs/uploads/`);
    const put = `${url.href}${url.search ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
    await this.#request(
      'PUT',
      put,
      {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body: () => Readable.toWeb(open().pipe(checkDigest(digest, size))) as ReadableStream<Uint8Array>,
      },
      `upload ${digest}`,
      [201],
    );
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string, digest: string): Promise<void> {
    const res = await this.#request(
      'PUT',
      `/v2/${this.#name}/manifests/${reference}`,
      { headers: { 'content-type': mediaType }, body: () => new Uint8Array(bytes) },
      `put the manifest as ${reference}`,
      [201],
    );
    const answered = res.headers.get('docker-content-digest');
    // The registry names the digest it stored: anything else means it rewrote our manifest.
    if (answered !== null && answered !== digest) {
      throw new ImagePushError(
        'IMAGE_PUSH_DIGEST_MISMATCH',
        `the registry stored the manifest as ${answered}, but it is ${digest}`,
        { status: res.status },
      );
    }
    if (answered === null) {
      const check = await this.#request(
        'HEAD',
        `/v2/${this.#name}/manifests/${digest}`,
        { headers: { accept: mediaType } },
        `check the manifest ${digest}`,
        [200],
      );
      const stored = check.headers.get('docker-content-digest');
      if (stored !== null && stored !== digest)
        throw new ImagePushError('IMAGE_PUSH_DIGEST_MISMATCH', `the registry serves ${stored} for ${digest}`);
    }
  }

  async #request(
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: () => BodyInit },
    what: string,
    expected: number[],
  ): Promise<Response> {
    const url = new URL(pathOrUrl, this.#origin);
    const allowed = url.protocol === 'https:' || (this.#insecureHttp && url.protocol === 'http:');
    if (!allowed) {
      throw new ImagePushError(
        'IMAGE_PUSH_FAILED',
        `${what}: the registry sent us to ${url.origin}, not HTTPS`,
      );
    }
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      // Credentials go to the registry's own origin only, not to a storage host it redirects uploads to.
      if (this.#auth.authorization && url.origin === this.#origin)
        headers.authorization = this.#auth.authorization;
      const res = await this.#send(url, method, headers, init.body, what);
      if (
        res.status === 401 &&
        attempt === 0 &&
        (await this.#auth.answer(res.headers.get('www-authenticate'), this.#scope))
      ) {
        await res.body?.cancel();
        continue;
      }
      if (expected.includes(res.status)) {
        if (method !== 'HEAD') await res.body?.cancel();
        return res;
      }
      throw this.#failure(what, res, await readErrorBody(res));
    }
  }

  async #send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: (() => BodyInit) | undefined,
    what: string,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers,
        // A streamed body needs half duplex in Node's fetch; a redirect of it cannot be replayed.
        ...(body ? { body: body(), duplex: 'half' } : {}),
        redirect: 'follow',
      } as RequestInit);
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      if (cause instanceof ImagePushError) throw cause;
      const hint = this.#insecureHttp ? '' : ' (a registry without TLS needs --insecure-http)';
      throw new ImagePushError(
        'IMAGE_PUSH_FAILED',
        `${what}: ${url.origin} is unreachable: ${cause?.message ?? (err as Error).message}${hint}`,
        { cause: err },
      );
    }
  }

  #failure(what: string, res: Response, body?: RegistryErrorBody, why?: string): ImagePushError {
    const first = body?.errors?.[0];
    const registryCode = typeof first?.code === 'string' ? first.code : undefined;
    const detail = why ?? (first?.message ? String(first.message) : res.statusText);
    const code = res.status === 401 || res.status === 403 ? 'IMAGE_PUSH_AUTH_FAILED' : 'IMAGE_PUSH_FAILED';
    return new ImagePushError(
      code,
      `${what}: ${this.#origin} answered ${res.status}${registryCode ? ` ${registryCode}` : ''}: ${detail}`,
      { status: res.status, ...(registryCode ? { registryCode } : {}) },
    );
  }
}

interface RegistryErrorBody {
  errors?: { code?: unknown; message?: unknown }[];
}

async function readErrorBody(res: Response): Promise<RegistryErrorBody | undefined> {
  const text = await res.text().catch(() => '');
  if (text.length === 0 || text.length > MAX_ERROR_BODY) return undefined;
  try {
    const body = JSON.parse(text) as RegistryErrorBody;
    return Array.isArray(body?.errors) ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hashes a blob on its way out and fails the upload if the bytes differ from what was verified (the
 * file changed on disk since): the registry would refuse them too, but we say why.
 */
function checkDigest(digest: string, size: number): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      seen += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual === digest && seen === size) done();
      else
        done(
          new ImagePushError(
            'IMAGE_PUSH_DIGEST_MISMATCH',
            `blob ${digest} changed on disk after it was verified (${seen} bytes hashing to ${actual}); nothing refers to it yet, rebuild and push again`,
          ),
        );
    },
  });
}
