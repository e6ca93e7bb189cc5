import { base64DecodeLenient } from '@blindbox/bytes';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { AttestationError } from '../attestation-error.js';

const SWID_NS = 'http://standards.iso.org/iso/19770/-2/2015/schema.xsd';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const SHA384_NS = 'http://www.w3.org/2001/04/xmlenc#sha384';
/** A RIM is a few tens of KiB; anything far larger is refused before parsing. */
const MAX_RIM_BYTES = 1 << 20;
const MAX_ALTERNATIVES = 64;

/** One golden measurement of a RIM (a `Resource` of type `Measurement`). */
export interface RimMeasurement {
  index: number;
  active: boolean;
  /** Accepted values, lowercase hex (`Hash0`…`HashN-1` in the SHA-384 namespace). */
  alternatives: string[];
  /** The digest size in bytes. */
  size: number;
}

/** A parsed reference integrity manifest (TCG RIM as a SWID tag) and the parts of its signature. */
export interface Rim {
  /** Which RIM, for messages and check names. */
  role: 'driver' | 'vbios';
  /** `colloquialVersion` of `Meta`: the driver or VBIOS version the RIM describes. */
  version: string;
  measurements: Map<number, RimMeasurement>;
  /** The parsed document (whose signature is verified later, over these very nodes). */
  document: Element;
  signature: Element;
  /** DER certificates of `KeyInfo/X509Data`, signer first. */
  certificates: Uint8Array[];
}

function bad(role: string, message: string): never {
  throw new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${role} RIM: ${message}`);
}

function children(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName) {
      out.push(n as Element);
    }
  }
  return out;
}

function only(parent: Element, ns: string, localName: string, role: string): Element {
  const found = children(parent, ns, localName);
  if (found.length !== 1) bad(role, `expected exactly one ${localName} element, found ${found.length}`);
  return found[0]!;
}

function parseMeasurement(resource: Element, role: string): RimMeasurement | undefined {
  if (resource.getAttribute('type') !== 'Measurement') return undefined;
  const int = (name: string, max: number): number => {
    const text = resource.getAttribute(name) ?? '';
    if (!/^\d{1,6}$/.test(text) || Number(text) > max)
      bad(role, `Resource ${name}="${text}" is not an integer up to ${max}`);
    return Number(text);
  };
  const index = int('index', 255);
  const count = int('alternatives', MAX_ALTERNATIVES);
  const size = int('size', 64);
  const active = resource.getAttribute('active');
  if (active !== 'True' && active !== 'False') bad(role, `measurement ${index} has active="${active}"`);
  const alternatives: string[] = [];
  for (let i = 0; i < count; i++) {
    const value = resource.getAttributeNS(SHA384_NS, `Hash${i}`) ?? '';
    if (!/^[0-9a-fA-F]*$/.test(value) || value.length !== size * 2) {
      bad(role, `measurement ${index} Hash${i} is not ${size} bytes of hex`);
    }
    alternatives.push(value.toLowerCase());
  }
  return { index, active: active === 'True', alternatives, size };
}

function readCertificates(signature: Element, role: string): Uint8Array[] {
  const keyInfo = only(signature, DSIG_NS, 'KeyInfo', role);
  const x509Data = only(keyInfo, DSIG_NS, 'X509Data', role);
  const certs = children(x509Data, DSIG_NS, 'X509Certificate').map((c) => {
    try {
      return base64DecodeLenient((c.textContent ?? '').replace(/\s+/g, ''));
    } catch {
      return bad(role, 'an X509Certificate is not base64');
    }
  });
  if (certs.length === 0) bad(role, 'the signature carries no certificate');
  return certs;
}

/**
 * Parses a RIM as NVIDIA publishes it: one `SoftwareIdentity` whose `Meta` names the version, whose
 * `Payload` lists the golden measurements by index, and whose last child is the enveloped
 * `ds:Signature`. Refused before any signature check: a DOCTYPE (entity tricks), more or less than one
 * `Signature` anywhere in the document (signature wrapping), duplicate indices, malformed hashes.
 */
export function parseRim(xml: string, role: 'driver' | 'vbios'): Rim {
  if (typeof xml !== 'string' || xml.length > MAX_RIM_BYTES) bad(role, `larger than ${MAX_RIM_BYTES} bytes`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) bad(role, 'a DOCTYPE or entity declaration is not allowed');
  let root: Element;
  try {
    const doc = new DOMParser({
      onError: (level, message) => bad(role, `not well-formed XML (${level}: ${message})`),
    }).parseFromString(xml, 'text/xml');
    root = doc.documentElement as Element;
  } catch (err) {
    if (err instanceof AttestationError) throw err;
    return bad(role, `not well-formed XML (${(err as Error).message})`);
  }
  if (!root || root.namespaceURI !== SWID_NS || root.localName !== 'SoftwareIdentity') {
    bad(role, 'the root element is not a SWID SoftwareIdentity');
  }
  const signatures = root.getElementsByTagNameNS(DSIG_NS, 'Signature');
  const signature = only(root, DSIG_NS, 'Signature', role);
  if (signatures.length !== 1)
    bad(role, `expected one Signature in the document, found ${signatures.length}`);
  const version = only(root, SWID_NS, 'Meta', role).getAttribute('colloquialVersion') ?? '';
  if (version === '') bad(role, 'Meta has no colloquialVersion');
  const measurements = new Map<number, RimMeasurement>();
  for (const resource of children(only(root, SWID_NS, 'Payload', role), SWID_NS, 'Resource')) {
    const m = parseMeasurement(resource, role);
    if (!m) continue;
    if (measurements.has(m.index)) bad(role, `measurement index ${m.index} appears twice`);
    measurements.set(m.index, m);
  }
  if (measurements.size === 0) bad(role, 'no golden measurement');
  return {
    role,
    version,
    measurements,
    document: root,
    signature,
    certificates: readCertificates(signature, role),
  };
}
