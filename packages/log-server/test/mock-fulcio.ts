import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { caExtensions, certificate, der, ext, name, oid, pem, seq, utf8 } from './der.js';

// A loopback stand-in for Fulcio: a throwaway CA that certifies the caller's key for the identity in
// the (unsigned, test-only) OIDC token, the way Fulcio v2 does.

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
    extensions: caExtensions(),
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
