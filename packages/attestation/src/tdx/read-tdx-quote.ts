import type { CheckList } from '../verifier/check-list.js';
import { parseTdxQuote, type TdxQuote } from './parse-tdx-quote.js';
import type { TdxPolicy } from './tdx-options.js';

/** Step 1, layout: a v4 quote whose every length field agrees with its contents (see parseTdxQuote). */
export function readTdxQuote(bytes: Uint8Array, policy: TdxPolicy, checks: CheckList): TdxQuote {
  const quote = parseTdxQuote(bytes, { allowTrailingBytes: policy.allowTrailingBytes === true });
  checks.pass('tdx.quote.layout', {
    expected: 'DCAP quote v4, ECDSA P-256, TDX',
    found: `version ${quote.version}, ${quote.length} bytes, ${quote.qeAuthData.length} bytes of QE auth data`,
  });
  if (quote.length !== bytes.length) {
    // Only reachable with allowTrailingBytes: say in the report that bytes were ignored.
    checks.pass('tdx.quote.trailingBytes', {
      expected: 'none (allowTrailingBytes)',
      found: `${bytes.length - quote.length} bytes ignored, covered by no signature`,
    });
  }
  return quote;
}
