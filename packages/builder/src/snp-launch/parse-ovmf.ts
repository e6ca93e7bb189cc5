import { SnpLaunchError } from './snp-launch-error.js';

/** Kinds of the pages OVMF's SEV metadata asks the VMM to add (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
export const SECTION_TYPES = {
  snpSecMem: 1,
  snpSecrets: 2,
  cpuid: 3,
  svsmCaa: 4,
  snpKernelHashes: 0x10,
} as const;

export interface OvmfMetadataSection {
  gpa: number;
  size: number;
  type: number;
}

/** What the launch digest needs from an OVMF image: its bytes, where it is mapped, its GUIDed footer table. */
export interface OvmfImage {
  data: Uint8Array;
  /** Guest physical address of the first byte: the image ends at 4 GiB. */
  gpa: number;
  sections: OvmfMetadataSection[];
  /** GPA of the SEV hashes table (kernel, initrd, command line), if this build has one. */
  sevHashesTableGpa: number | undefined;
  /** EIP at which application processors start (SEV-ES reset block). */
  sevEsResetEip: number | undefined;
}

const FOUR_GIB = 0x1_0000_0000;
const FOOTER_GUID = '96b582de-1fb2-45f7-baea-a366c55a082d';
const SEV_HASH_TABLE_RV_GUID = '7255371f-3a3b-4b04-927b-1da6efa8d454';
const SEV_ES_RESET_BLOCK_GUID = '00f771de-1a7e-4fcb-890e-68c77e2fb44e';
const SEV_METADATA_GUID = 'dc886566-984a-4798-a75e-5585a7bf67cc';
// An entry of the footer table: its data, then u16 size (data + header) and a 16-byte GUID.
const ENTRY_HEADER = 18;
const METADATA_HEADER = 16;
const METADATA_ITEM = 12;

/** A GUID in its textual form from the 16 bytes of its mixed-endian (EFI) encoding. */
export function guidFromLeBytes(b: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0'));
    return (reverse ? part.reverse() : part).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

function bad(message: string): never {
  throw new SnpLaunchError('SNP_LAUNCH_BAD_FIRMWARE', `not a usable OVMF image: ${message}`);
}

/**
 * The GUIDed table OVMF keeps at its end: it ends 32 bytes before the last byte, and is read
 * backwards, entry by entry, from a footer entry that gives its total size.
 */
function readFooterTable(data: Uint8Array, view: DataView): Map<string, Uint8Array> {
  const table = new Map<string, Uint8Array>();
  const footerAt = data.length - 32 - ENTRY_HEADER;
  if (footerAt < 0) bad(`${data.length} bytes is too small to hold the footer table`);
  if (guidFromLeBytes(data.subarray(footerAt + 2, footerAt + ENTRY_HEADER)) !== FOOTER_GUID) return table;
  const tableSize = view.getUint16(footerAt, true) - ENTRY_HEADER;
  if (tableSize < 0 || tableSize > footerAt) bad('the footer table size is out of range');
  let end = footerAt;
  const start = footerAt - tableSize;
  while (end - start >= ENTRY_HEADER) {
    const header = end - ENTRY_HEADER;
    const size = view.getUint16(header, true);
    if (size < ENTRY_HEADER || size > end - start) bad(`a footer table entry has an invalid size (${size})`);
    table.set(guidFromLeBytes(data.subarray(header + 2, end)), data.subarray(end - size, header));
    end -= size;
  }
  return table;
}

function u32At(entry: Uint8Array | undefined, what: string): number | undefined {
  if (entry === undefined) return undefined;
  if (entry.length < 4) bad(`the ${what} entry is shorter than 4 bytes`);
  return new DataView(entry.buffer, entry.byteOffset, entry.byteLength).getUint32(0, true);
}

function readMetadata(
  data: Uint8Array,
  view: DataView,
  entry: Uint8Array | undefined,
): OvmfMetadataSection[] {
  const offsetFromEnd = u32At(entry, 'SEV metadata');
  if (offsetFromEnd === undefined) return [];
  const start = data.length - offsetFromEnd;
  if (start < 0 || start + METADATA_HEADER > data.length) bad('the SEV metadata offset is out of range');
  const signature = String.fromCharCode(...data.subarray(start, start + 4));
  if (signature !== 'ASEV')
    bad(`the SEV metadata signature is ${JSON.stringify(signature)}, expected "ASEV"`);
  const version = view.getUint32(start + 8, true);
  if (version !== 1) bad(`SEV metadata version ${version} is not supported (expected 1)`);
  const count = view.getUint32(start + 12, true);
  if (start + METADATA_HEADER + count * METADATA_ITEM > data.length)
    bad('the SEV metadata runs past the image');
  const sections: OvmfMetadataSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + METADATA_HEADER + i * METADATA_ITEM;
    const section = {
      gpa: view.getUint32(at, true),
      size: view.getUint32(at + 4, true),
      type: view.getUint32(at + 8, true),
    };
    if (!Object.values(SECTION_TYPES).includes(section.type as never)) {
      bad(`SEV metadata section ${i} has unknown type ${section.type}`);
    }
    if (section.gpa % 4096 !== 0 || section.size % 4096 !== 0)
      bad(`SEV metadata section ${i} is not page-aligned`);
    sections.push(section);
  }
  return sections;
}

/** Parse an OVMF firmware image as QEMU maps it: the image ends at 4 GiB. */
export function parseOvmf(data: Uint8Array): OvmfImage {
  if (data.length === 0 || data.length % 4096 !== 0) {
    bad(`its size (${data.length} bytes) is not a positive multiple of 4096`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const table = readFooterTable(data, view);
  const hashesGpa = u32At(table.get(SEV_HASH_TABLE_RV_GUID), 'SEV hashes table');
  return {
    data,
    gpa: FOUR_GIB - data.length,
    sections: readMetadata(data, view, table.get(SEV_METADATA_GUID)),
    sevHashesTableGpa: hashesGpa === 0 ? undefined : hashesGpa,
    sevEsResetEip: u32At(table.get(SEV_ES_RESET_BLOCK_GUID), 'SEV-ES reset block'),
  };
}
