import { UsageError } from '../base-command.js';

/**
 * PCRs a Nitro policy can pin (AWS Nitro Enclaves user guide, "Where to get an enclave's measurements"):
 * the image (0), kernel and bootstrap (1), application (2), the parent's IAM role (3), the parent
 * instance ID (4) and the image signing certificate (8).
 */
const PINNABLE_PCRS = [0, 1, 2, 3, 4, 8];

/** Parses `--expect-pcr N=<hex>` values into PCR index → lowercase hex. */
export function parsePcrFlags(values: readonly string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const v of values) {
    const m = /^(\d{1,2})=(?:0x)?([0-9a-fA-F]+)$/.exec(v.trim());
    if (!m) throw new UsageError(`--expect-pcr takes N=<hex>, got "${v}"`);
    const index = Number(m[1]);
    if (!PINNABLE_PCRS.includes(index))
      throw new UsageError(`--expect-pcr: PCR${index} cannot be pinned (0, 1, 2, 3, 4, 8)`);
    if (out[index] !== undefined) throw new UsageError(`--expect-pcr: PCR${index} given twice`);
    out[index] = m[2]!.toLowerCase();
  }
  return out;
}
