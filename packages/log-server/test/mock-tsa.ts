import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  caExtensions,
  certificate,
  der,
  ECDSA_SHA256,
  ext,
  generalizedTime,
  int,
  name,
  octets,
  oid,
  SHA256,
  seq,
  set,
} from './der.js';

// A loopback RFC 3161 timestamp authority with the JSON front end sigstore's TSA speaks
// (`POST /api/v1/timestamp {artifactHash, hashAlgorithm}` → DER TimeStampResp).

export interface MockTsa {
  url: string;
  /** [TSA signing certificate, root] as base64 DER, for a TrustedRoot's timestampAuthorities. */
  chainDerBase64: string[];
  close(): Promise<void>;
}

export async function startMockTsa(): Promise<MockTsa> {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootCert = certificate({
    issuer: 'mock-tsa-root',
    subject: name('mock-tsa-root'),
    publicKey: root.publicKey,
    signer: root.privateKey,
    serial: 1,
    extensions: caExtensions(),
  });
  const leafCert = certificate({
    issuer: 'mock-tsa-root',
    subject: name('mock-tsa'),
    publicKey: leaf.publicKey,
    signer: root.privateKey,
    serial: 2,
    // extendedKeyUsage: timeStamping (RFC 3161 §2.3)
    extensions: [ext('2.5.29.37', true, seq(oid('1.3.6.1.5.5.7.3.8')))],
  });
  let serial = 1;

  const respond = (artifactHash: Buffer): Buffer => {
    // RFC 3161 §2.4.2 TSTInfo
    const tstInfo = seq(
      int(1),
      oid('1.3.6.1.4.1.57264.2'),
      seq(SHA256, octets(artifactHash)),
      int(serial++ % 127),
      generalizedTime(new Date()),
    );
    // RFC 5652 §5.3 signed attributes: content type and message digest of the TSTInfo
    const attrs = [
      seq(oid('1.2.840.113549.1.9.3'), set(oid('1.2.840.113549.1.9.16.1.4'))),
      seq(oid('1.2.840.113549.1.9.4'), set(octets(createHash('sha256').update(tstInfo).digest()))),
    ];
    const signature = sign('sha256', set(...attrs), leaf.privateKey);
    const signerInfo = seq(
      int(1),
      seq(name('mock-tsa-root'), int(2)), // issuerAndSerialNumber of the leaf
      SHA256,
      der(0xa0, ...attrs),
      ECDSA_SHA256,
      octets(signature),
    );
    const signedData = seq(
      int(3),
      set(SHA256),
      seq(oid('1.2.840.113549.1.9.16.1.4'), der(0xa0, octets(tstInfo))),
      set(signerInfo),
    );
    return seq(seq(int(0)), seq(oid('1.2.840.113549.1.7.2'), der(0xa0, signedData)));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          artifactHash: string;
          hashAlgorithm: string;
        };
        if (req.url !== '/api/v1/timestamp' || body.hashAlgorithm !== 'sha256')
          throw new Error('bad request');
        const out = respond(Buffer.from(body.artifactHash, 'base64'));
        res
          .writeHead(201, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': out.length })
          .end(out);
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"message":"bad request"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    chainDerBase64: [leafCert.toString('base64'), rootCert.toString('base64')],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
