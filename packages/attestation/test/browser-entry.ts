// Bundled for the browser by browser.test.ts: exposes the verifiers to the page under test.
import { AttestationError } from '../src/attestation-error.js';
import { verifyEvidence } from '../src/verify-evidence.js';

interface Case {
  platform: 'sev-snp' | 'nitro';
  evidence: string;
  collateral?: Record<string, string>;
  at: string;
  allowDebug?: boolean;
}

function bytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function run(c: Case): Promise<Record<string, unknown>> {
  try {
    const report = await verifyEvidence(
      {
        platform: c.platform,
        evidence: bytes(c.evidence),
        ...(c.collateral ? { collateral: c.collateral } : {}),
      },
      { at: new Date(c.at), allowDebug: c.allowDebug === true },
    );
    return {
      ok: true,
      measurement: report.measurement,
      reportData: report.reportData,
      debug: report.debug,
      checks: report.checks.length,
    };
  } catch (err) {
    if (err instanceof AttestationError) return { ok: false, code: err.code, checks: err.checks.length };
    return { ok: false, code: 'UNEXPECTED', message: String(err) };
  }
}

(globalThis as unknown as { blindboxVerify: typeof run }).blindboxVerify = run;
