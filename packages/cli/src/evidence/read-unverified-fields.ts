import {
  decodeCoseSign1,
  parseHclReport,
  parseNitroDocument,
  parseSnpReport,
  parseTdxQuote,
  SNP_REPORT_LENGTH,
} from '@blindbox/attestation/internal';
import { hexEncode } from '@blindbox/bytes';
import type { DecodedEvidence } from './decode-evidence-file.js';
import type { EvidencePlatform } from './evidence-verify-request.js';

/** Fields of evidence as it claims them, before (or without) any signature check. */
export interface UnverifiedFields {
  measurement?: string | null;
  reportData?: string;
  hostData?: string;
  pcrs?: Record<number, string>;
  debug?: boolean;
}

/** SNP policy bit 19: DEBUG (AMD SEV-SNP ABI specification, guest policy structure). */
const SNP_POLICY_DEBUG = 1n << 19n;

function snpFields({ bytes, hcl }: DecodedEvidence): UnverifiedFields {
  const report = parseSnpReport(hcl ? parseHclReport(bytes).snpReport : bytes.subarray(0, SNP_REPORT_LENGTH));
  return {
    measurement: hexEncode(report.measurement),
    reportData: hexEncode(report.reportData),
    hostData: hexEncode(report.hostData),
    debug: (report.policy & SNP_POLICY_DEBUG) !== 0n,
  };
}

function nitroFields({ bytes }: DecodedEvidence): UnverifiedFields {
  const doc = parseNitroDocument(decodeCoseSign1(bytes).payload);
  const pcrs: Record<number, string> = {};
  for (const [i, v] of doc.pcrs) pcrs[i] = hexEncode(v);
  return {
    measurement: pcrs[0] ?? null,
    reportData: doc.userData ? hexEncode(doc.userData) : '',
    pcrs,
    // A debug-mode enclave reports PCR0, PCR1 and PCR2 as all zeros.
    debug: [0, 1, 2].every((i) => /^0+$/.test(pcrs[i] ?? '1')),
  };
}

function tdxFields({ bytes }: DecodedEvidence): UnverifiedFields {
  const quote = parseTdxQuote(bytes, { allowTrailingBytes: true });
  // TDATTRIBUTES bit 0: DEBUG (Intel TDX Module ABI, ATTRIBUTES).
  return {
    measurement: hexEncode(quote.body.mrTd),
    reportData: hexEncode(quote.body.reportData),
    debug: (quote.body.tdAttributes & 1n) !== 0n,
  };
}

const READERS: Record<EvidencePlatform, (evidence: DecodedEvidence) => UnverifiedFields> = {
  'sev-snp': snpFields,
  nitro: nitroFields,
  tdx: tdxFields,
};

/**
 * What rejected evidence claims, so the output shows what was refused. Never a basis for trust:
 * these fields are read without checking any signature. Empty when even parsing fails.
 */
export function readUnverifiedFields(
  platform: EvidencePlatform,
  evidence: DecodedEvidence,
): UnverifiedFields {
  try {
    return READERS[platform](evidence);
  } catch {
    return {};
  }
}
