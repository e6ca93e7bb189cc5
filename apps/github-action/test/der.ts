import { type KeyObject, sign } from 'node:crypto';
// Copied from packages/log-server/test/der.ts (the shapes sigstore-js parses), to keep this test on its own.

// Just enough DER to build test certificates and RFC 3161 responses that sigstore-js parses.

export const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const len =
    body.length < 0x80
      ? Buffer.from([body.length])
      : body.length < 0x100
        ? Buffer.from([0x81, body.length])
        : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
export const seq = (...p: Buffer[]) => der(0x30, ...p);
export const set = (...p: Buffer[]) => der(0x31, ...p);
export const int = (n: number) => der(0x02, Buffer.from([n]));
export const octets = (b: Buffer) => der(0x04, b);
export const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const n of rest) {
    const enc = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    bytes.push(...enc);
  }
  return der(0x06, Buffer.from(bytes));
};
export const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
export const utcTime = (d: Date) =>
  der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
export const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
export const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), octets(value));
export const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** An X.509 v3 certificate signed with ECDSA-SHA256, valid from an hour ago to an hour from now. */
export function certificate(opts: {
  issuer: string;
  subject: Buffer;
  publicKey: KeyObject;
  signer: KeyObject;
  extensions: Buffer[];
  serial: number;
}): Buffer {
  const now = Date.now();
  const tbs = seq(
    der(0xa0, int(2)),
    int(opts.serial),
    ECDSA_SHA256,
    name(opts.issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 3600_000))),
    opts.subject,
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(...opts.extensions)),
  );
  const sig = sign('sha256', tbs, opts.signer);
  return seq(tbs, ECDSA_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), sig])));
}

/** basicConstraints CA:true + keyUsage keyCertSign|cRLSign: what sigstore-js needs of a CA. */
export const caExtensions = () => [
  ext('2.5.29.19', true, seq(der(0x01, Buffer.from([0xff])))),
  ext('2.5.29.15', true, der(0x03, Buffer.from([1, 0x06]))),
];

export const pem = (d: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
