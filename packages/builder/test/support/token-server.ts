import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** What a token request carried, as the token server saw it. */
export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** The Basic user name, when credentials were sent (the password is only compared). */
  user?: string;
}

/**
 * A real token server for the distribution token flow, on loopback: checks HTTP Basic credentials
 * and issues ES256 JWTs that carry the issuer's certificate in `x5c`, which the registry verifies
 * against its `rootcertbundle`. It grants every action asked for on the repositories requested.
 */
export async function startTokenServer(options: {
  keyPem: string;
  certPem: string;
  issuer: string;
  user: string;
  password: string;
}): Promise<{ realm: string; requests: TokenRequest[]; close(): Promise<void> }> {
  const key = createPrivateKey(options.keyPem);
  const x5c = [new X509Certificate(options.certPem).raw.toString('base64')];
  const requests: TokenRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const scopes = url.searchParams.getAll('scope');
    const service = url.searchParams.get('service');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    requests.push({ service, scopes, ...(user === undefined ? {} : { user }) });
    if (user !== options.user || rest.join(':') !== options.password) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'bad credentials' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type = '', name = '', actions = ''] = s.split(':');
      return { type, name, actions: actions.split(',') };
    });
    const header = { alg: 'ES256', typ: 'JWT', x5c };
    const claims = {
      iss: options.issuer,
      sub: user,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${input}.${signature.toString('base64url')}`, expires_in: 300 }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    realm: `http://127.0.0.1:${address.port}/token`,
    requests,
    async close() {
      server.close();
      await once(server, 'close');
    },
  };
}
