import { isHclReport } from '@blindbox/attestation/internal';
import { base64DecodeLenient, hexDecode } from '@blindbox/bytes';
import { UsageError } from '../base-command.js';

/** How an evidence file is encoded. */
export type EvidenceFormat = 'raw' | 'hex' | 'base64' | 'hcl';

/** The evidence bytes, and whether they are an Azure HCL report wrapping an SNP report. */
export interface DecodedEvidence {
  bytes: Uint8Array;
  hcl: boolean;
}

const HEX_TEXT = /^[0-9a-fA-F\s]+$/;
const BASE64_TEXT = /^[A-Za-z0-9+/=_\-\s]+$/;

function isPrintableText(file: Uint8Array): boolean {
  return (
    file.length > 0 && file.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))
  );
}

/** Hex text, else base64 text, else raw bytes (a binary report is never all printable ASCII). */
function detectFormat(file: Uint8Array): 'raw' | 'hex' | 'base64' {
  if (!isPrintableText(file)) return 'raw';
  const text = new TextDecoder().decode(file);
  if (HEX_TEXT.test(text)) return 'hex';
  return BASE64_TEXT.test(text) ? 'base64' : 'raw';
}

function decodeText(file: Uint8Array, fmt: EvidenceFormat): Uint8Array {
  if (fmt !== 'hex' && fmt !== 'base64') return file;
  const text = new TextDecoder().decode(file).replace(/\s+/g, '');
  try {
    return fmt === 'hex' ? hexDecode(text) : base64DecodeLenient(text);
  } catch {
    throw new UsageError(`the evidence file is not valid ${fmt}; pass --format raw|hex|base64|hcl`);
  }
}

/**
 * Decodes an evidence file per `format`; without one, detects hex or base64 text and otherwise
 * takes the bytes as they are. An "HCLA" header marks an Azure HCL report in any encoding.
 * Throws {@link UsageError} when the file is not what `format` says.
 */
export function decodeEvidenceFile(file: Uint8Array, format?: EvidenceFormat): DecodedEvidence {
  const bytes = decodeText(file, format ?? detectFormat(file));
  if (format === 'hcl' && !isHclReport(bytes)) {
    throw new UsageError(
      '--format hcl: the file does not start with the "HCLA" header of an Azure HCL report',
    );
  }
  return { bytes, hcl: isHclReport(bytes) };
}
