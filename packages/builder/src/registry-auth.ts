import { ImagePushError } from './image-push-error.js';

/** A registry user name and password (or a personal access token used as the password). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** One `WWW-Authenticate` challenge: its scheme (lower-cased) and its auth-params. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1) into its challenges, e.g.
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"`.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  // A token alone starts a challenge (its scheme); token=value or token="quoted" is a param of it.
  const part = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g;
  for (const [, token = '', quoted, bare] of header.matchAll(part)) {
    if (quoted === undefined && bare === undefined) {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    } else if (current) {
      current.params[token.toLowerCase()] =
        quoted === undefined ? (bare ?? '') : quoted.replace(/\\(.)/g, '$1');
    }
  }
  return out;
}

/**
 * Answers a registry's 401 challenges: HTTP Basic with the credentials, or the distribution token
 * flow (GET the realm with `service` and `scope`, Basic credentials if any, and use the returned
 * token as `Bearer`). Tokens are kept per scope for the rest of the push. Never logs a secret.
 */
export class RegistryAuth {
  #authorization: string | undefined;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #allowHttpRealm: boolean;

  /**
   * @param credentials - sent only in answer to a challenge, never up front.
   * @param allowHttpRealm - accept a token realm over plain HTTP. Default: false (only with --insecure-http).
   */
  constructor(credentials?: RegistryCredentials, allowHttpRealm = false) {
    this.#credentials = credentials;
    this.#allowHttpRealm = allowHttpRealm;
  }

  /** The `Authorization` header value to send, once a challenge was answered. */
  get authorization(): string | undefined {
    return this.#authorization;
  }

  /**
   * Answers the challenge of a 401 for an operation needing `scope` (e.g. `repository:team/app:pull,push`).
   * Returns false when nothing new can be tried (the caller then reports the 401).
   */
  async answer(wwwAuthenticate: string | null, scope: string): Promise<boolean> {
    const challenges = parseAuthChallenges(wwwAuthenticate ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const next = `Bearer ${await this.#fetchToken(bearer.params, scope)}`;
      if (next === this.#authorization) return false;
      this.#authorization = next;
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.#credentials) {
      const next = `Basic ${basic(this.#credentials)}`;
      if (next === this.#authorization) return false;
      this.#authorization = next;
      return true;
    }
    return false;
  }

  async #fetchToken(params: Record<string, string>, scope: string): Promise<string> {
    const fail = (why: string, status?: number) =>
      new ImagePushError('IMAGE_PUSH_AUTH_FAILED', `registry token request failed: ${why}`, {
        ...(status === undefined ? {} : { status }),
      });
    let realm: URL;
    try {
      realm = new URL(params.realm ?? '');
    } catch {
      throw fail(`the challenge's realm ${JSON.stringify(params.realm ?? '')} is not a URL`);
    }
    // The realm receives the password: never over plain HTTP unless the user asked for plain HTTP.
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.#allowHttpRealm))
      throw fail(`the token realm ${realm.origin} is not HTTPS (pass --insecure-http to allow it)`);
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    // Ask for what the push needs, plus whatever else the registry's challenge names.
    for (const s of new Set([scope, ...(params.scope ?? '').split(' ').filter(Boolean)]))
      realm.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#credentials) headers.authorization = `Basic ${basic(this.#credentials)}`;
    let res: Response;
    try {
      res = await fetch(realm, { headers, redirect: 'error' });
    } catch (err) {
      throw fail(`${realm.origin} is unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) {
      throw fail(
        `${realm.origin}${realm.pathname} answered ${res.status}${this.#credentials ? ' (check --username and the password)' : ' (pass --username and --password-stdin)'}`,
        res.status,
      );
    }
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw fail('the answer holds no token');
    return token;
  }
}

function basic({ username, password }: RegistryCredentials): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}
