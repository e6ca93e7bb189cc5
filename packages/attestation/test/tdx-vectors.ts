// The TDX vectors (vectors/tdx, see vectors/README.md): a DCAP v4 quote from a Sapphire Rapids TD
// and the Intel collateral go-tdx-guest serves with it in its tests.
import type { TdxCollateral } from '../src/tdx/tdx-options.js';
import { vector, vectorText } from './vectors.js';

export const TDX_DIR = 'tdx/spr';

/** The quote file as published (the quote followed by 39 bytes go-tdx-guest appended, see below). */
export const tdxQuoteFile = (): Uint8Array => vector(`${TDX_DIR}/tdx_prod_quote_SPR_E4.dat`);

/**
 * The quote proper: the file without the "\nextra bytes(only for testing purpose)\n" go-tdx-guest
 * appended to exercise its ExtraBytes field. The quote's own length fields end it at byte 4935.
 */
export const TDX_QUOTE_LENGTH = 4935;
export const tdxQuote = (): Uint8Array => tdxQuoteFile().slice(0, TDX_QUOTE_LENGTH);

export function tdxCollateral(): TdxCollateral {
  return {
    tcbInfo: vectorText(`${TDX_DIR}/sample_tcbInfo_response`),
    tcbInfoIssuerChain: vectorText(`${TDX_DIR}/tcbinfo_issuer_chain.pem`),
    qeIdentity: vectorText(`${TDX_DIR}/sample_qeIdentity_response`),
    qeIdentityIssuerChain: vectorText(`${TDX_DIR}/qeidentity_issuer_chain.pem`),
    pckCrl: vector(`${TDX_DIR}/pckcrl`),
    pckCrlIssuerChain: vectorText(`${TDX_DIR}/pckcrl_issuer_chain.pem`),
    rootCrl: vector(`${TDX_DIR}/rootcrl.der`),
  };
}

/** The capture time go-tdx-guest's tests verify at: every certificate and collateral item is current. */
export const TDX_AT = new Date('2023-07-01T01:00:00Z');

/** Fields of the vector's TD report body and QE report, read with `openssl`/Python from the file. */
export const TDX_FIELDS = {
  mrTd: '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb',
  rtmr0: '2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a',
  rtmr1: '2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc5800db2cacb61',
  rtmr2: '8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c924eb4424e',
  rtmr3: '0'.repeat(96),
  mrConfigId: '0'.repeat(96),
  reportData:
    '6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113',
  teeTcbSvn: '03000400000000000000000000000000',
  tdAttributes: '0x0000000040000000',
  qeMrSigner: 'dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5',
  pckSerial: 'bba6c175d838b8df3900cc3411f24f512d104102',
};

/** Offsets in the vector's quote (QE auth data is 32 bytes): see src/tdx/parse-tdx-quote.ts. */
export const TDX_OFFSETS = {
  header: 0,
  body: 48,
  mrTd: 48 + 136,
  reportData: 48 + 520,
  signatureDataLength: 632,
  signature: 636,
  attestationKey: 700,
  qeReport: 770,
  qeReportSignature: 1154,
  qeAuthData: 1220,
  pckChain: 1258,
} as const;

function u32le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

/** The quote with another PCK chain (PEM bytes), every length field adjusted: a well-formed quote. */
export function withPckChain(quote: Uint8Array, pem: Uint8Array): Uint8Array {
  const authLength = quote[1218]! | (quote[1219]! << 8);
  const innerType = 1220 + authLength;
  const out = new Uint8Array(innerType + 6 + pem.length);
  out.set(quote.subarray(0, innerType + 2));
  out.set(u32le(pem.length), innerType + 2);
  out.set(pem, innerType + 6);
  out.set(u32le(out.length - 770), 766);
  out.set(u32le(out.length - 636), 632);
  return out;
}

/** The PEM certificates of the vector's PCK chain, as text. */
export function pckChainPem(quote: Uint8Array): string[] {
  const text = new TextDecoder().decode(quote.subarray(TDX_OFFSETS.pckChain));
  return text.split(/(?<=-----END CERTIFICATE-----\n)/).filter((s) => s.length > 0);
}
