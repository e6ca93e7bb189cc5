// Bundled for the browser by tdx-browser.test.ts: exposes verifyEvidence on TDX cases to the page.
import { AttestationError } from '../src/attestation-error.js';
import type { TdxPolicy } from '../src/tdx/tdx-options.js';
import { verifyEvidence } from '../src/verify-evidence.js';

export interface TdxCase {
  name: string;
  /** base64 quote bytes. */
  evidence: string;
  collateral?: Record<string, string>;
  at: string;
  tdx?: TdxPolicy;
}

function bytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** The verdict in a JSON-safe form, identical in Node and in the page. */
export async function runTdxCase(
  c: TdxCase,
  evidence: Uint8Array = bytes(c.evidence),
): Promise<Record<string, unknown>> {
  try {
    const report = await verifyEvidence(
      { platform: 'tdx', evidence, ...(c.collateral ? { collateral: c.collateral } : {}) },
      { at: new Date(c.at), ...(c.tdx ? { tdx: c.tdx } : {}) },
    );
    return {
      ok: true,
      measurement: report.measurement,
      reportData: report.reportData,
      tcbStatus: report.claims['tcbStatus'],
      checks: report.checks.map((k) => k.name),
    };
  } catch (err) {
    if (err instanceof AttestationError) {
      return { ok: false, code: err.code, failed: err.checks.at(-1)?.name, checks: err.checks.length };
    }
    return { ok: false, code: 'UNEXPECTED', message: String(err) };
  }
}

(globalThis as unknown as { blindboxVerifyTdx: typeof runTdxCase }).blindboxVerifyTdx = runTdxCase;
