import { base64urlEncode, hexEncode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { AttestationError } from '../attestation-error.js';
import { DER, derChildren, derUnsigned, expectTag, readDerExact } from '../der/read-der.js';
import type { Certificate, PublicKey, SignatureAlgorithm } from './parse-certificate.js';

type Buf = Uint8Array<ArrayBuffer>;

const keyCache = new Map<string, Promise<CryptoKey>>();
const certCache = new Map<string, boolean>();
const CACHE_LIMIT = 256;

/**
 * Forgets every cached key import and certificate signature result. Verification stays correct
 * without the caches, only slower; benchmarks use this to measure the uncached cost.
 */
export function clearSignatureCaches(): void {
  keyCache.clear();
  certCache.clear();
}

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

function keyId(key: PublicKey, alg: SignatureAlgorithm): string {
  const material = key.kind === 'ec' ? key.point : new Uint8Array([...key.n, 0, ...key.e]);
  return `${alg.kind}:${alg.hash}:${hexEncode(sha256(material))}`;
}

/** Imports a public key for `alg` through WebCrypto, once per key (imports cost more than verifies). */
export function importVerifyKey(key: PublicKey, alg: SignatureAlgorithm): Promise<CryptoKey> {
  const id = keyId(key, alg);
  const cached = keyCache.get(id);
  if (cached) return cached;
  let imported: Promise<CryptoKey>;
  if (key.kind === 'ec' && alg.kind === 'ecdsa') {
    imported = crypto.subtle.importKey(
      'raw',
      key.point as Buf,
      { name: 'ECDSA', namedCurve: key.curve },
      false,
      ['verify'],
    );
  } else if (key.kind === 'rsa' && alg.kind === 'rsa-pss') {
    // JWK rather than SPKI: browsers refuse SPKI whose algorithm is id-RSASSA-PSS, all accept JWK.
    imported = crypto.subtle.importKey(
      'jwk',
      { kty: 'RSA', n: base64urlEncode(key.n), e: base64urlEncode(key.e), ext: true },
      { name: 'RSA-PSS', hash: alg.hash },
      false,
      ['verify'],
    );
  } else {
    return Promise.reject(
      new AttestationError(
        'ATTESTATION_CERT_CHAIN',
        `a ${key.kind} key cannot check a ${alg.kind} signature`,
      ),
    );
  }
  // A failed import (e.g. a point not on the curve) must not stay cached.
  imported = imported.catch((cause: unknown) => {
    keyCache.delete(id);
    throw new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', 'public key rejected by WebCrypto', [], {
      cause,
    });
  });
  return remember(keyCache, id, imported);
}

/** ECDSA-Sig-Value (RFC 3279 §2.2.3, DER) to the IEEE P1363 r ‖ s form WebCrypto takes. */
export function ecdsaDerToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const [r, s, ...rest] = derChildren(
      expectTag(readDerExact(der, 'signature'), DER.SEQUENCE, 'signature'),
      'signature',
    );
    if (!r || !s || rest.length > 0) return undefined;
    const rb = derUnsigned(r, 'signature');
    const sb = derUnsigned(s, 'signature');
    if (rb.length > size || sb.length > size) return undefined;
    const out = new Uint8Array(2 * size);
    out.set(rb, size - rb.length);
    out.set(sb, 2 * size - sb.length);
    return out;
  } catch {
    return undefined;
  }
}

/** Verifies `signature` over `data` with WebCrypto; false (never a throw) when it does not verify. */
export async function verifySignature(
  key: PublicKey,
  alg: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const cryptoKey = await importVerifyKey(key, alg);
  if (alg.kind === 'ecdsa') {
    if (key.kind !== 'ec') return false;
    const size = key.curve === 'P-256' ? 32 : 48;
    const raw = signature.length === 2 * size ? signature : ecdsaDerToP1363(signature, size);
    if (!raw) return false;
    return crypto.subtle.verify({ name: 'ECDSA', hash: alg.hash }, cryptoKey, raw as Buf, data as Buf);
  }
  return crypto.subtle.verify(
    { name: 'RSA-PSS', saltLength: alg.saltLength },
    cryptoKey,
    signature as Buf,
    data as Buf,
  );
}

/**
 * Whether `cert` carries a valid signature by `issuerKey`. Results are cached per (certificate,
 * key): a chain is checked once per process, so each piece of evidence costs one signature check.
 * Validity periods are never cached: they depend on the verification time and are checked each time.
 */
export async function verifyCertificateSignature(cert: Certificate, issuerKey: PublicKey): Promise<boolean> {
  const id = `${hexEncode(sha256(cert.der))}:${keyId(issuerKey, cert.signatureAlgorithm)}`;
  const hit = certCache.get(id);
  if (hit !== undefined) return hit;
  // X.509 ECDSA signatures are DER; the verifier above takes P1363 only at the exact raw length,
  // so convert here to avoid mistaking a DER blob of that length for r ‖ s.
  let signature = cert.signature;
  if (cert.signatureAlgorithm.kind === 'ecdsa') {
    if (issuerKey.kind !== 'ec') return remember(certCache, id, false);
    const converted = ecdsaDerToP1363(cert.signature, issuerKey.curve === 'P-256' ? 32 : 48);
    if (!converted) return remember(certCache, id, false);
    signature = converted;
  }
  const ok = await verifySignature(issuerKey, cert.signatureAlgorithm, cert.tbs, signature);
  return remember(certCache, id, ok);
}
