import { ImagePushError } from './image-push-error.js';

/** A registry reference, as parsed by {@link parseImageRef}. */
export interface ImageRef {
  /** `host` or `host:port`, as written. */
  registry: string;
  /** The repository name (`team/app`). */
  name: string;
  /** The tag, when the reference names one. */
  tag?: string;
  /** `sha256:<hex>`, when the reference is pinned by digest. */
  digest?: string;
}

// Grammar of the OCI distribution spec, "Pulling manifests": <name> and <reference>.
const NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?)(:[0-9]{1,5})?$/;

/**
 * Parses `host[:port]/name[:tag]` or `host[:port]/name@sha256:<hex>`. The registry host is required
 * (no implicit Docker Hub): a push must say where it goes. Throws `IMAGE_PUSH_BAD_REF`.
 */
export function parseImageRef(ref: string): ImageRef {
  const bad = (why: string) =>
    new ImagePushError(
      'IMAGE_PUSH_BAD_REF',
      `${JSON.stringify(ref)} is not an image reference: ${why}. Expected host:port/name[:tag] or host:port/name@sha256:<64 hex>`,
    );
  const slash = ref.indexOf('/');
  if (slash <= 0) throw bad('it names no registry host');
  const registry = ref.slice(0, slash);
  if (!HOST.test(registry)) throw bad(`${JSON.stringify(registry)} is not a host[:port]`);
  let rest = ref.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`${JSON.stringify(digest)} is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`${JSON.stringify(tag)} is not a valid tag`);
  }
  if (!NAME.test(rest)) throw bad(`${JSON.stringify(rest)} is not a valid repository name`);
  return { registry, name: rest, ...(tag === undefined ? {} : { tag }), ...(digest ? { digest } : {}) };
}
