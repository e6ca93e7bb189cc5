import { base64Decode, base64Encode } from './encoding.js';
import { ProtocolError } from './protocol-error.js';

/** One GPU's evidence as the envelope carries it (docs/protocol.md §3.4). */
export interface EnvelopeGpuEvidence {
  /** Standard base64 of the raw attestation report: SPDM GET_MEASUREMENTS request ‖ response. */
  report: string;
  /** The GPU's certificate chain, leaf first: standard base64 of each DER certificate. */
  certChain: string[];
}

/** One GPU's evidence as bytes: what a runtime provider collects and a verifier checks. */
export interface GpuEvidenceBytes {
  report: Uint8Array;
  certChain: readonly Uint8Array[];
}

/**
 * Bounds of the `gpus` member, so that an envelope stays small whatever a server sends. An HGX board
 * holds 8 GPUs; a Hopper report is about 4 KiB, its chain 5 certificates of under 1 KiB each.
 */
export const ENVELOPE_GPU_LIMITS = {
  gpus: 8,
  reportBytes: 32 * 1024,
  certificates: 8,
  certificateBytes: 8 * 1024,
} as const;

function fail(message: string, cause?: unknown): never {
  throw new ProtocolError('PROTOCOL_MALFORMED_ENVELOPE', `evidence envelope: ${message}`, { cause });
}

function decoded(name: string, value: unknown, max: number): Uint8Array {
  if (typeof value !== 'string') fail(`"${name}" must be a base64 string, got ${typeof value}`);
  // Refuse before decoding: base64 of `max` bytes is at most 4 * ceil(max / 3) characters.
  if (value.length > 4 * Math.ceil(max / 3)) fail(`"${name}" is longer than ${max} bytes`);
  let bytes: Uint8Array;
  try {
    bytes = base64Decode(value);
  } catch (cause) {
    return fail(`"${name}" is not valid base64`, cause);
  }
  if (bytes.length === 0) fail(`"${name}" is empty`);
  if (bytes.length > max) fail(`"${name}" is longer than ${max} bytes`);
  return bytes;
}

function decodeItem(item: unknown, i: number): GpuEvidenceBytes {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    fail(`"gpus[${i}]" must be an object { report, certChain }`);
  const { report, certChain } = item as Record<string, unknown>;
  const L = ENVELOPE_GPU_LIMITS;
  const reportBytes = decoded(`gpus[${i}].report`, report, L.reportBytes);
  if (!Array.isArray(certChain) || certChain.length === 0 || certChain.length > L.certificates)
    fail(`"gpus[${i}].certChain" must be an array of 1 to ${L.certificates} base64 DER certificates`);
  const chain = certChain.map((cert, j) => decoded(`gpus[${i}].certChain[${j}]`, cert, L.certificateBytes));
  return { report: reportBytes, certChain: chain };
}

/**
 * Validates the envelope's `gpus` member and returns a copy holding only `report` and `certChain`
 * of each item (unknown members of an item are ignored, as in the envelope).
 *
 * @throws ProtocolError `PROTOCOL_MALFORMED_ENVELOPE`: not an array, more than 8 items, an item
 *   without a base64 report or with a chain of no or more than 8 certificates, or a report or
 *   certificate over its size bound ({@link ENVELOPE_GPU_LIMITS}).
 */
export function parseEnvelopeGpus(value: unknown): EnvelopeGpuEvidence[] {
  if (!Array.isArray(value)) fail('"gpus" must be an array when present');
  if (value.length > ENVELOPE_GPU_LIMITS.gpus)
    fail(`"gpus" lists ${value.length} GPUs, at most ${ENVELOPE_GPU_LIMITS.gpus} are allowed`);
  return value.map((item, i) => {
    decodeItem(item, i);
    const { report, certChain } = item as EnvelopeGpuEvidence;
    return { report, certChain: [...certChain] };
  });
}

/** The bytes of a parsed `gpus` member (from {@link parseEnvelopeGpus}, so already validated). */
export function decodeEnvelopeGpus(gpus: readonly EnvelopeGpuEvidence[]): GpuEvidenceBytes[] {
  return gpus.map(decodeItem);
}

/**
 * The envelope's `gpus` member for evidence a provider collected, checked against the same bounds a
 * client applies, so that a server never sends what every client refuses.
 *
 * @throws ProtocolError `PROTOCOL_MALFORMED_ENVELOPE` as {@link parseEnvelopeGpus}.
 */
export function encodeEnvelopeGpus(gpus: readonly GpuEvidenceBytes[]): EnvelopeGpuEvidence[] {
  return parseEnvelopeGpus(
    gpus.map((gpu) => ({ report: base64Encode(gpu.report), certChain: gpu.certChain.map(base64Encode) })),
  );
}
