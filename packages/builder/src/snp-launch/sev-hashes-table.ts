import { createHash } from 'node:crypto';

const GUID = {
  table: '9438d606-4f22-4cc9-b479-a793d411fd21',
  kernel: '4de79437-abd2-427f-b835-d5b172d2045b',
  initrd: '44baf731-3a2f-4bd7-9af1-41e29169781d',
  cmdline: '97d02dd8-bd20-4c94-aa78-e7714d36ab2a',
};
const ENTRY_LENGTH = 16 + 2 + 32;
const TABLE_LENGTH = 16 + 2 + 3 * ENTRY_LENGTH;
const PADDED_LENGTH = (TABLE_LENGTH + 15) & ~15;

/** The 16 bytes of a GUID in EFI's mixed-endian encoding. */
export function guidToLeBytes(guid: string): Uint8Array {
  const hex = guid.replace(/-/g, '');
  const bytes = Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** What measured direct boot hashes: the kernel, the initrd (empty if none) and the command line. */
export interface BootComponents {
  kernel: Uint8Array;
  initrd?: Uint8Array | undefined;
  /** The kernel command line; measured NUL-terminated, as QEMU passes it. */
  append?: string | undefined;
}

/**
 * The page holding the SEV hashes table at `offsetInPage`, byte for byte as QEMU writes it for
 * measured direct boot (QEMU `sev_add_kernel_loader_hashes`): header GUID and length, then the
 * command line, initrd and kernel entries (GUID, length, SHA-256), padded to 16 bytes.
 */
export function buildSevHashesPage(boot: BootComponents, offsetInPage: number): Uint8Array {
  const page = new Uint8Array(4096);
  if (offsetInPage + PADDED_LENGTH > page.length)
    throw new RangeError('the SEV hashes table does not fit its page');
  const view = new DataView(page.buffer);
  const cmdline = new TextEncoder().encode(`${boot.append ?? ''}\0`);
  let at = offsetInPage;
  page.set(guidToLeBytes(GUID.table), at);
  view.setUint16(at + 16, TABLE_LENGTH, true);
  at += 18;
  for (const [guid, data] of [
    [GUID.cmdline, cmdline],
    [GUID.initrd, boot.initrd ?? new Uint8Array(0)],
    [GUID.kernel, boot.kernel],
  ] as const) {
    page.set(guidToLeBytes(guid), at);
    view.setUint16(at + 16, ENTRY_LENGTH, true);
    page.set(sha256(data), at + 18);
    at += ENTRY_LENGTH;
  }
  return page;
}
