import { hexEncode } from '@blindbox/bytes';
import { DER, type DerNode, derChildren, readDerExact } from '../der/read-der.js';
import type { Certificate } from '../x509/parse-certificate.js';

/** The TCG DICE extension (TCG DICE Attestation Architecture §6) that carries the firmware id. */
const TCG_DICE_FWID_OIDS = ['2.23.133.5.4.1', '2.23.133.5.4.1.1'];

/** The digest of the last `SEQUENCE { hashAlg OID, digest OCTET STRING }` in the extension. */
function lastFwid(node: DerNode): Uint8Array | undefined {
  if (node.tag !== DER.SEQUENCE) return undefined;
  const parts = derChildren(node, 'FWID extension');
  if (parts.length === 2 && parts[0]!.tag === DER.OID && parts[1]!.tag === DER.OCTET_STRING)
    return parts[1]!.value;
  for (let i = parts.length - 1; i >= 0; i--) {
    const found = lastFwid(parts[i]!);
    if (found) return found;
  }
  return undefined;
}

/**
 * The FWID the GPU's attestation certificate carries, hex, or undefined when it has none. NVIDIA's
 * leaf holds it as the last (hash algorithm, digest) pair of the TCG DICE extension; the opaque data
 * of every report signed by that key must name the same firmware.
 */
export function readCertificateFwid(cert: Certificate): string | undefined {
  for (const oid of TCG_DICE_FWID_OIDS) {
    const ext = cert.extensions.get(oid);
    if (!ext) continue;
    const fwid = lastFwid(readDerExact(ext.value, 'FWID extension'));
    return fwid ? hexEncode(fwid) : undefined;
  }
  return undefined;
}
