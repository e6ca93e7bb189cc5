import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback stand-in for Fulcio: a throwaway CA that certifies the caller's key for the identity in
// the (unsigned, test-only) OIDC token, the way Fulcio v2 does. Minimal DER, enough for sigstore-js.

const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const len =
    body.length < 0x80
      ? Buffer.from([body.length])
      : body.length < 0x100
        ? Buffer.from([0x81, body.length])
        : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...p: Buffer[]) => der(0x30, ...p);
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const n of rest) {
    const enc = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
const time = (d: Date) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function certificate(opts: {
  issuer: string;
  subject: Buffer;
  publicKey: KeyObject;
  signer: KeyObject;
  extensions: Buffer[];
  serial: number;
}): Buffer {
  const now = Date.now();
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([opts.serial])),
    ECDSA_SHA256,
    name(opts.issuer),
    seq(time(new Date(now - 3600_000)), time(new Date(now + 3600_000))),
    opts.subject,
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(...opts.extensions)),
  );
  const sig = sign('sha256', tbs, opts.signer);
  return seq(tbs, ECDSA_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), sig])));
}

const pem = (d: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

/** A test-only OIDC token: unsigned JWT carrying the SAN and the issuer the mock CA will certify. */
export function fakeIdentityToken(claims: { sub: string; iss: string }): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64(claims)}.`;
}

export interface MockFulcio {
  url: string;
  /** The CA certificate (DER, base64) for a TrustedRoot's certificateAuthorities. */
  caDerBase64: string;
  close(): Promise<void>;
}

export async function startMockFulcio(): Promise<MockFulcio> {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caCert = certificate({
    issuer: 'mock-fulcio',
    subject: name('mock-fulcio'),
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    serial: 1,
    extensions: [
      ext('2.5.29.19', true, seq(der(0x01, Buffer.from([0xff])))),
      ext('2.5.29.15', true, der(0x03, Buffer.from([1, 0x06]))),
    ],
  });
  let serial = 2;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const token: string = body.credentials.oidcIdentityToken;
        const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
        const key = createPublicKey(body.publicKeyRequest.publicKey.content);
        // proof of possession: the key signed the token's subject
        if (
          !verify(
            'sha256',
            Buffer.from(claims.sub),
            key,
            Buffer.from(body.publicKeyRequest.proofOfPossession, 'base64'),
          )
        ) {
          res
            .writeHead(400, { 'Content-Type': 'application/json' })
            .end('{"message":"bad proof of possession"}');
          return;
        }
        const leaf = certificate({
          issuer: 'mock-fulcio',
          subject: seq(),
          publicKey: key,
          signer: ca.privateKey,
          serial: serial++,
          extensions: [
            ext('2.5.29.15', true, der(0x03, Buffer.from([7, 0x80]))),
            ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.3'))),
            // SAN: URI
            ext('2.5.29.17', true, seq(der(0x86, Buffer.from(claims.sub)))),
            // Fulcio OIDC issuer, v1 (raw) and v2 (UTF8String)
            ext('1.3.6.1.4.1.57264.1.1', false, Buffer.from(claims.iss)),
            ext('1.3.6.1.4.1.57264.1.8', false, utf8(claims.iss)),
          ],
        });
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            signedCertificateEmbeddedSct: { chain: { certificates: [pem(leaf), pem(caCert)] } },
          }),
        );
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"message":"bad request"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    caDerBase64: caCert.toString('base64'),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
