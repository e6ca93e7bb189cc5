import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { caExtensions, certificate, der, ext, name, oid, pem, seq, utf8 } from './der.js';

// Loopback stand-ins (mocks: public GitHub and Sigstore cannot be reached from the tests) for
// GitHub's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL) and for Fulcio v2. The token is an
// ES256 JWT the mock Fulcio checks the way Fulcio does (signature by the issuer's key, audience
// `sigstore`, proof of possession over `sub`), and the certificate carries what Fulcio puts in it for
// GitHub Actions: the SAN `https://github.com/<job_workflow_ref>` and the issuer extensions.

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** Claims of a GitHub Actions OIDC token for a workflow run on a tag. */
export function githubClaims(repository: string, ref: string, workflow = 'release.yml') {
  return {
    iss: GITHUB_ISSUER,
    sub: `repo:${repository}:ref:${ref}`,
    repository,
    ref,
    workflow_ref: `${repository}/.github/workflows/${workflow}@${ref}`,
    job_workflow_ref: `${repository}/.github/workflows/${workflow}@${ref}`,
    event_name: 'push',
  };
}

export interface MockGithubSigstore {
  /** ACTIONS_ID_TOKEN_REQUEST_URL */
  tokenUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the bearer the token endpoint demands. */
  requestToken: string;
  fulcioUrl: string;
  /** The mock CA certificate (DER, base64) for the TrustedRoot's certificateAuthorities. */
  caDerBase64: string;
  /** Audiences the token endpoint was asked for. */
  audiences: string[];
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function jwt(claims: object, key: KeyObject): string {
  const head = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'mock' }))}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(head), { key, dsaEncoding: 'ieee-p1363' });
  return `${head}.${b64url(sig)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Starts both mocks on 127.0.0.1; the token endpoint mints tokens with `claims`. */
export async function startMockGithubSigstore(claims: Record<string, unknown>): Promise<MockGithubSigstore> {
  const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caCert = certificate({
    issuer: 'mock-fulcio',
    subject: name('mock-fulcio'),
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    serial: 1,
    extensions: caExtensions(),
  });
  const requestToken = `mock-request-token-${Math.random().toString(36).slice(2)}`;
  const audiences: string[] = [];
  let serial = 2;

  const token = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${requestToken}`)
      return json(res, 401, { message: 'bad bearer' });
    const audience = url.searchParams.get('audience') ?? '';
    audiences.push(audience);
    const now = Math.floor(Date.now() / 1000);
    json(res, 200, {
      value: jwt({ ...claims, aud: audience, iat: now, nbf: now, exp: now + 300 }, issuerKey.privateKey),
    });
  };

  const fulcio = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse(await readBody(req));
    const [head, payload, signature] = String(body.credentials?.oidcIdentityToken ?? '').split('.');
    if (!head || !payload || !signature) return json(res, 400, { message: 'no token' });
    const signed = verify(
      'sha256',
      Buffer.from(`${head}.${payload}`),
      { key: issuerKey.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!signed || c.aud !== 'sigstore' || c.exp < Date.now() / 1000)
      return json(res, 401, { message: 'token not accepted' });
    const key = createPublicKey(body.publicKeyRequest.publicKey.content);
    if (
      !verify(
        'sha256',
        Buffer.from(c.sub),
        key,
        Buffer.from(body.publicKeyRequest.proofOfPossession, 'base64'),
      )
    )
      return json(res, 400, { message: 'bad proof of possession' });
    const san = `https://github.com/${c.job_workflow_ref}`;
    const leaf = certificate({
      issuer: 'mock-fulcio',
      subject: seq(),
      publicKey: key,
      signer: ca.privateKey,
      serial: serial++,
      extensions: [
        ext('2.5.29.15', true, der(0x03, Buffer.from([7, 0x80]))),
        ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.3'))),
        ext('2.5.29.17', true, seq(der(0x86, Buffer.from(san)))),
        ext('1.3.6.1.4.1.57264.1.1', false, Buffer.from(c.iss)),
        ext('1.3.6.1.4.1.57264.1.8', false, utf8(c.iss)),
        // Fulcio's GitHub workflow extensions: repository and ref of the source
        ext('1.3.6.1.4.1.57264.1.12', false, utf8(`https://github.com/${c.repository}`)),
        ext('1.3.6.1.4.1.57264.1.14', false, utf8(c.ref)),
      ],
    });
    json(res, 201, { signedCertificateEmbeddedSct: { chain: { certificates: [pem(leaf), pem(caCert)] } } });
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handle = path === '/token' ? token : path === '/api/v2/signingCert' ? fulcio : undefined;
    if (!handle) return json(res, 404, { message: 'not found' });
    Promise.resolve(handle(req, res)).catch(() => json(res, 400, { message: 'bad request' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    tokenUrl: `${base}/token?api-version=2.0`,
    requestToken,
    fulcioUrl: base,
    caDerBase64: caCert.toString('base64'),
    audiences,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
