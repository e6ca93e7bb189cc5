import { type Element, DOMParser as XmlDomParser, XMLSerializer as XmlDomSerializer } from '@xmldom/xmldom';
import { AttestationError } from '../attestation-error.js';
import type { Rim } from './parse-rim.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const C14N11 = 'http://www.w3.org/2006/12/xml-c14n11';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const ECDSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384';
const SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#sha384';

function elements(parent: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (
      n.nodeType === 1 &&
      (n as Element).namespaceURI === DSIG_NS &&
      (n as Element).localName === localName
    ) {
      out.push(n as Element);
    }
  }
  return out;
}

function algorithmOf(parent: Element, localName: string): string | undefined {
  const found = elements(parent, localName);
  return found.length === 1 ? (found[0]!.getAttribute('Algorithm') ?? undefined) : undefined;
}

/**
 * The one signature shape NVIDIA's RIMs use, required exactly before the library runs: a single
 * Reference to the whole document (`URI=""`), enveloped, canonicalized with C14N 1.1, ECDSA P-384
 * over SHA-384. Anything else (another reference, an XPath or XSLT transform, a weaker digest) could
 * sign less than the measurements we read, so it is refused rather than interpreted.
 */
function requireSignatureShape(rim: Rim): void {
  const fail = (what: string): never => {
    throw new AttestationError('ATTESTATION_GPU_RIM_SIGNATURE', `${rim.role} RIM signature: ${what}`);
  };
  const signedInfo = elements(rim.signature, 'SignedInfo');
  if (signedInfo.length !== 1) fail('expected one SignedInfo');
  const info = signedInfo[0]!;
  if (algorithmOf(info, 'CanonicalizationMethod') !== C14N11) fail('canonicalization is not C14N 1.1');
  if (algorithmOf(info, 'SignatureMethod') !== ECDSA_SHA384) fail('the signature method is not ECDSA-SHA384');
  const references = elements(info, 'Reference');
  if (references.length !== 1) fail(`expected one Reference, found ${references.length}`);
  const reference = references[0]!;
  if (reference.getAttribute('URI') !== '') fail('the Reference does not cover the whole document (URI="")');
  if (algorithmOf(reference, 'DigestMethod') !== SHA384) fail('the digest is not SHA-384');
  const transforms = elements(reference, 'Transforms')[0];
  const algorithms = transforms
    ? elements(transforms, 'Transform').map((t) => t.getAttribute('Algorithm'))
    : [];
  if (algorithms.length !== 2 || algorithms[0] !== ENVELOPED || algorithms[1] !== C14N11) {
    fail(`the transforms are [${algorithms.join(', ')}], expected [enveloped-signature, C14N 1.1]`);
  }
  // C14N 1.1 differs from C14N 1.0 only in how xml:base/xml:id are inherited into document subsets;
  // a whole-document reference with no xml:base has the same canonical form under both (W3C C14N 1.1 §2.4).
  if (/\sxml:base\s*=/.test(rim.document.toString())) fail('xml:base is not supported');
}

type XmlDsig = typeof import('xmldsigjs');
let library: Promise<XmlDsig> | undefined;

/**
 * xmldsigjs (WebCrypto) verifies the signature. It knows C14N 1.0 but not the C14N 1.1 identifier
 * NVIDIA's RIMs name; for the whole-document shape required above both give the same bytes, so the
 * 1.1 identifier is mapped to the library's 1.0 canonicalizer. Loaded on first use, so that clients
 * that never verify a GPU do not load an XML stack.
 */
export function loadXmlDsig(): Promise<XmlDsig> {
  library ??= Promise.all([import('xmldsigjs'), import('xml-core')]).then(([xmldsig, xmlCore]) => {
    xmldsig.Application.setEngine('WebCrypto', globalThis.crypto);
    // Outside browsers the library needs a DOM implementation: the same pure-JS one that parsed the RIM.
    xmlCore.setNodeDependencies({ DOMParser: XmlDomParser, XMLSerializer: XmlDomSerializer });
    class C14n11Transform extends xmldsig.XmlDsigC14NTransform {
      override Algorithm = C14N11;
    }
    const create = xmldsig.CryptoConfig.CreateFromName.bind(xmldsig.CryptoConfig);
    xmldsig.CryptoConfig.CreateFromName = (name: string | null) =>
      name === C14N11 ? new C14n11Transform() : create(name);
    return xmldsig;
  });
  return library;
}

/**
 * True when the RIM's enveloped signature verifies with the signer's P-384 public key (the uncompressed
 * point of its certificate, whose chain the caller has verified); throws on a malformed shape. The
 * key is passed explicitly: the library would otherwise accept a signature by any certificate in KeyInfo.
 */
export async function verifyRimSignature(rim: Rim, signerPoint: Uint8Array): Promise<boolean> {
  requireSignatureShape(rim);
  const xmldsig = await loadXmlDsig();
  try {
    // Extractable, because the library exports and re-imports the key with the method's parameters.
    const signerKey = await crypto.subtle.importKey(
      'raw',
      signerPoint as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-384' },
      true,
      ['verify'],
    );
    const signed = new xmldsig.SignedXml(rim.document.ownerDocument as unknown as Document);
    signed.LoadXml(rim.signature as unknown as globalThis.Element);
    // The library re-imports the key with the method's parameters, which lack the curve.
    signed.Algorithm = { ...signed.Algorithm, namedCurve: 'P-384' } as unknown as typeof signed.Algorithm;
    return await signed.Verify(signerKey);
  } catch {
    // A digest mismatch surfaces as an exception from the library: the signed content changed.
    return false;
  }
}
