import { base64Encode as bytesToBase64 } from '@blindbox/bytes';
import { RuntimeError } from '../runtime-error.js';

/**
 * GUIDs of the SEV-SNP certificate table (GHCB specification rev 2.03, §4.1.8.1 "SNP Extended Guest
 * Request", certificate table), which the host returns with an extended report: configfs-tsm's
 * `auxblob`, and the certificate buffer of SNP_GET_EXT_REPORT on /dev/sev-guest.
 */
export const SNP_CERT_GUIDS = {
  vcek: '63da758d-e664-4564-adc5-f4b93be8accd',
  vlek: 'a8074bc2-a25a-483e-aae6-39c045a0b8a1',
  ask: '4ab7b379-bbac-4fe4-a02f-05aef327c782',
  ark: 'c0b406a4-a803-4952-9743-3fb6014cd0ae',
} as const;

type CertKind = keyof typeof SNP_CERT_GUIDS;

function guidBytes(guid: string, littleEndian: boolean): Uint8Array {
  const hex = guid.replace(/-/g, '');
  const b = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  if (!littleEndian) return b;
  // The mixed-endian (Microsoft) encoding: the first three fields little-endian.
  return new Uint8Array([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

function kindOf(guid: Uint8Array): CertKind | undefined {
  for (const [kind, text] of Object.entries(SNP_CERT_GUIDS) as [CertKind, string][]) {
    // Hosts differ in how they lay out the GUID bytes; both layouts name the same certificate.
    for (const le of [false, true]) {
      const want = guidBytes(text, le);
      if (want.every((b, i) => b === guid[i])) return kind;
    }
  }
  return undefined;
}

/**
 * Parses a certificate table: entries `{ guid[16], offset u32 LE, length u32 LE }` ended by an
 * all-zero entry, offsets counted from the start of the table. Unknown GUIDs are skipped.
 */
export function parseSnpCertTable(table: Uint8Array): Partial<Record<CertKind, Uint8Array>> {
  const out: Partial<Record<CertKind, Uint8Array>> = {};
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  for (let o = 0; ; o += 24) {
    if (o + 24 > table.length) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        'SEV-SNP certificate table is not terminated',
      );
    }
    const guid = table.subarray(o, o + 16);
    const offset = view.getUint32(o + 16, true);
    const length = view.getUint32(o + 20, true);
    if (guid.every((b) => b === 0) && offset === 0 && length === 0) return out;
    if (offset + length > table.length) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        'SEV-SNP certificate table entry points outside the table',
      );
    }
    const kind = kindOf(guid);
    if (kind) out[kind] = table.slice(offset, offset + length);
  }
}

/** Encodes a certificate table (for tests and for hosts that assemble one). */
export function encodeSnpCertTable(certs: Partial<Record<CertKind, Uint8Array>>): Uint8Array {
  const entries = Object.entries(certs) as [CertKind, Uint8Array][];
  const header = (entries.length + 1) * 24;
  const total = header + entries.reduce((n, [, c]) => n + c.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = header;
  entries.forEach(([kind, cert], i) => {
    out.set(guidBytes(SNP_CERT_GUIDS[kind], false), i * 24);
    view.setUint32(i * 24 + 16, offset, true);
    view.setUint32(i * 24 + 20, cert.length, true);
    out.set(cert, offset);
    offset += cert.length;
  });
  return out;
}

function pem(der: Uint8Array): string {
  const b64 = bytesToBase64(der);
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The protocol collateral for a certificate table: `vcek`/`vlek` (PEM) and `certChain` (ASK then ARK,
 * PEM), the keys `@blindbox/attestation` reads. Nothing here is trusted: the client verifies it all.
 */
export function snpCollateralFromCertTable(table: Uint8Array | undefined): Record<string, string> {
  if (!table || table.length === 0 || table.every((b) => b === 0)) return {};
  const certs = parseSnpCertTable(table);
  const out: Record<string, string> = {};
  if (certs.vcek) out['vcek'] = pem(certs.vcek);
  if (certs.vlek) out['vlek'] = pem(certs.vlek);
  if (certs.ask) out['certChain'] = pem(certs.ask) + (certs.ark ? pem(certs.ark) : '');
  return out;
}
