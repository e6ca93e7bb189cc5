import { createHash } from 'node:crypto';

const LD_SIZE = 48;
const PAGE = 4096;
const ZEROS = new Uint8Array(LD_SIZE);
// The VMSA page is recorded at GPA (u64)-1, page-aligned, bits above 51 cleared.
const VMSA_GPA = 0xffff_ffff_f000;

/** Page types of SNP_LAUNCH_UPDATE (SEV-SNP firmware ABI, PAGE_INFO). */
const PAGE_TYPE = { normal: 1, vmsa: 2, zero: 3, unmeasured: 4, secrets: 5, cpuid: 6 } as const;

function sha384(bytes: Uint8Array): Uint8Array {
  return createHash('sha384').update(bytes).digest();
}

/**
 * The launch digest as the AMD secure processor extends it: for each page added to the guest,
 * `ld = SHA-384(PAGE_INFO)` where PAGE_INFO (0x70 bytes) holds the previous digest, the page's
 * contents digest, its type and its GPA (SEV-SNP firmware ABI, "PAGE_INFO structure").
 */
export class SnpGuestContext {
  #ld: Uint8Array;

  /** @param seed the digest to start from: zeros, or a firmware hash computed earlier. */
  constructor(seed: Uint8Array = ZEROS) {
    if (seed.length !== LD_SIZE)
      throw new RangeError(`a launch digest seed is ${LD_SIZE} bytes, got ${seed.length}`);
    this.#ld = seed.slice();
  }

  get digest(): Uint8Array {
    return this.#ld.slice();
  }

  #update(pageType: number, gpa: number, contents: Uint8Array): void {
    const info = new Uint8Array(0x70);
    const view = new DataView(info.buffer);
    info.set(this.#ld, 0);
    info.set(contents, LD_SIZE);
    view.setUint16(96, 0x70, true);
    view.setUint8(98, pageType);
    // is_imi, vmpl3/2/1 permissions and the reserved byte stay zero.
    view.setBigUint64(104, BigInt(gpa), true);
    this.#ld = sha384(info);
  }

  addNormalPages(gpa: number, data: Uint8Array): void {
    if (data.length % PAGE !== 0) throw new RangeError('normal pages must be whole 4 KiB pages');
    for (let offset = 0; offset < data.length; offset += PAGE) {
      this.#update(PAGE_TYPE.normal, gpa + offset, sha384(data.subarray(offset, offset + PAGE)));
    }
  }

  addZeroPages(gpa: number, length: number): void {
    for (let offset = 0; offset < length; offset += PAGE) this.#update(PAGE_TYPE.zero, gpa + offset, ZEROS);
  }

  addUnmeasuredPages(gpa: number, length: number): void {
    for (let offset = 0; offset < length; offset += PAGE)
      this.#update(PAGE_TYPE.unmeasured, gpa + offset, ZEROS);
  }

  addSecretsPage(gpa: number): void {
    this.#update(PAGE_TYPE.secrets, gpa, ZEROS);
  }

  addCpuidPage(gpa: number): void {
    this.#update(PAGE_TYPE.cpuid, gpa, ZEROS);
  }

  addVmsaPage(page: Uint8Array): void {
    if (page.length !== PAGE) throw new RangeError('a VMSA page is 4096 bytes');
    this.#update(PAGE_TYPE.vmsa, VMSA_GPA, sha384(page));
  }
}
