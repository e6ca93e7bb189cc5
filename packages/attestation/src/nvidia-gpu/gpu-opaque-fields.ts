import { hexEncode } from '@blindbox/bytes';
import type { SpdmMeasurements } from './parse-spdm-measurements.js';

/** NVIDIA's opaque-data field ids (OPAQUE_FIELD_ID_* in nvtrust's local verifier) that a verifier reads. */
export const OPAQUE_FIELD = {
  driverVersion: 3,
  vbiosVersion: 6,
  nvdecStatus: 11,
  project: 17,
  projectSku: 18,
  chipSku: 15,
  fwid: 20,
} as const;

/** NVDEC0 disabled (0x55; 0xaa is enabled): measurement index 35 then describes nothing and is not compared. */
const NVDEC_DISABLED = 0x55;

function ascii(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return String.fromCharCode(...bytes.subarray(0, end)).trim();
}

/**
 * The VBIOS version as NVIDIA prints it (`96.00.9f.00.01`): the 8-byte little-endian field read as a
 * number, its low 32 bits as four bytes high to low, then the byte above them.
 */
export function formatVbiosVersion(field: Uint8Array): string {
  const be = hexEncode(field.slice().reverse());
  const half = be.length / 2;
  const digits = be.slice(half) + be.slice(half - 2, half);
  return (digits.match(/../g) ?? []).join('.');
}

/** What a verifier reads from the opaque data: versions, FWID, and whether index 35 counts. */
export interface GpuOpaqueClaims {
  driverVersion: string | undefined;
  vbiosVersion: string | undefined;
  project: string | undefined;
  projectSku: string | undefined;
  chipSku: string | undefined;
  /** The firmware id the leaf certificate must carry too, hex (empty when the report has none). */
  fwid: string;
  nvdecDisabled: boolean;
}

export function readGpuOpaqueClaims(spdm: SpdmMeasurements): GpuOpaqueClaims {
  const vbios = spdm.opaque.get(OPAQUE_FIELD.vbiosVersion);
  const nvdec = spdm.opaque.get(OPAQUE_FIELD.nvdecStatus);
  return {
    driverVersion: ascii(spdm.opaque.get(OPAQUE_FIELD.driverVersion)),
    vbiosVersion: vbios === undefined || vbios.length === 0 ? undefined : formatVbiosVersion(vbios),
    project: ascii(spdm.opaque.get(OPAQUE_FIELD.project)),
    projectSku: ascii(spdm.opaque.get(OPAQUE_FIELD.projectSku)),
    chipSku: ascii(spdm.opaque.get(OPAQUE_FIELD.chipSku)),
    fwid: hexEncode(spdm.opaque.get(OPAQUE_FIELD.fwid) ?? new Uint8Array(0)),
    nvdecDisabled: nvdec !== undefined && nvdec.length === 1 && nvdec[0] === NVDEC_DISABLED,
  };
}
