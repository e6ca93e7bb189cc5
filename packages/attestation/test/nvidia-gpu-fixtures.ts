import { readFileSync } from 'node:fs';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { loadXmlDsig } from '../src/nvidia-gpu/verify-rim-signature.js';
import { vectorText } from './vectors.js';

const C14N11 = 'http://www.w3.org/2006/12/xml-c14n11';
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/test-rim-ca/${name}`, import.meta.url), 'utf8');
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

/** NVIDIA's sample report and chain, and the RIMs NVIDIA ships beside them. */
export const gpu = {
  report: () =>
    Uint8Array.from(Buffer.from(vectorText('nvidia-gpu/hopperAttestationReport.txt').trim(), 'hex')),
  chain: () => vectorText('nvidia-gpu/hopperCertChain.txt'),
  driverRim: () => vectorText('nvidia-gpu/Driver_RIM_test_no_gpu.swidtag'),
  vbiosRim: () => vectorText('nvidia-gpu/1010_0200_882_96005E0001_test_no_gpu.swidtag'),
  vbiosRimProd: () => vectorText('nvidia-gpu/1010_0200_882_96005E0001_PROD.swidtag'),
  nonce: '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb',
  /** When the RIM signing chains were valid (their leaves expired in June 2025). */
  rimTime: new Date('2024-06-01T00:00:00Z'),
  testRimRoot: fixture('root.pem'),
};

/**
 * A copy of an NVIDIA RIM with `edit` applied to its XML, re-signed (enveloped, C14N 1.1, ECDSA P-384)
 * by the TEST-ONLY signer in test/fixtures/test-rim-ca, with [signer, root] in one X509Data as NVIDIA
 * lays it out.
 */
export async function resignRim(xml: string, edit: (xml: string) => string): Promise<string> {
  const xmldsig = await loadXmlDsig();
  const unsigned = edit(xml).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
  const doc = new DOMParser().parseFromString(unsigned, 'text/xml');
  const key = await crypto.subtle.importKey(
    'pkcs8',
    Buffer.from(pemBody(fixture('signer.key')), 'base64'),
    { name: 'ECDSA', namedCurve: 'P-384' },
    false,
    ['sign'],
  );
  const signed = new xmldsig.SignedXml();
  signed.XmlSignature.SignedInfo.CanonicalizationMethod.Algorithm = C14N11;
  const signature = await signed.Sign({ name: 'ECDSA', hash: 'SHA-384' } as never, key, doc as never, {
    references: [{ hash: 'SHA-384', uri: '', transforms: ['enveloped', C14N11] }],
  });
  const node = signature.GetXml()!;
  const certs = [fixture('signer.pem'), fixture('root.pem')]
    .map((pem) => `<ds:X509Certificate>${pemBody(pem)}</ds:X509Certificate>`)
    .join('');
  const signatureXml = new XMLSerializer()
    .serializeToString(node as never)
    .replace(/<ds:KeyInfo[\s\S]*<\/ds:KeyInfo>/, '')
    .replace(
      '</ds:Signature>',
      `<ds:KeyInfo><ds:X509Data>${certs}</ds:X509Data></ds:KeyInfo></ds:Signature>`,
    );
  return unsigned.replace(/<\/SoftwareIdentity>\s*$/, `${signatureXml}</SoftwareIdentity>`);
}

/** The RIM's measurement `index` (active) set to `value`, its other alternatives dropped. */
export function setMeasurement(xml: string, index: number, value: string): string {
  const re = new RegExp(`<ns0:Resource type="Measurement" index="${index}"[^>]*/>`);
  const size = value.length / 2;
  return xml.replace(
    re,
    `<ns0:Resource type="Measurement" index="${index}" active="True" alternatives="1" ns2:Hash0="${value}" name="Measurement_${index}" size="${size}"/>`,
  );
}
