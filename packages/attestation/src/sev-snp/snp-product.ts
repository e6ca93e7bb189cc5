import { hexEncode } from '@blindbox/bytes';

/** AMD EPYC generations whose SEV-SNP roots this package pins. */
export type SnpProduct = 'Milan' | 'Genoa' | 'Turin';

export const SNP_PRODUCTS: readonly SnpProduct[] = ['Milan', 'Genoa', 'Turin'];

/** A TCB_VERSION's security patch levels. */
export interface SnpTcb {
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
  /** Turin only (firmware microcontroller). */
  fmc?: number;
}

/** The components of a TCB, in the order they are printed and compared. */
export const SNP_TCB_COMPONENTS = ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const;

/**
 * Decodes a TCB_VERSION (8 bytes, little-endian). SEV-SNP ABI spec "TCB_VERSION Structure": on Milan
 * and Genoa byte 0 = BOOT_LOADER, 1 = TEE, 6 = SNP, 7 = MICROCODE (2–5 reserved); on Turin
 * byte 0 = FMC, 1 = BOOT_LOADER, 2 = TEE, 3 = SNP, 7 = MICROCODE (4–6 reserved).
 */
export function decodeTcb(raw: Uint8Array, product: SnpProduct): SnpTcb {
  if (product === 'Turin') {
    return { fmc: raw[0]!, bootloader: raw[1]!, tee: raw[2]!, snp: raw[3]!, microcode: raw[7]! };
  }
  return { bootloader: raw[0]!, tee: raw[1]!, snp: raw[6]!, microcode: raw[7]! };
}

/** The TCB as KDS's `tcbm` hex (the u64 value, big-endian hex): how THIM and `sevtool` print it. */
export function tcbHex(raw: Uint8Array): string {
  return hexEncode(raw.slice().reverse());
}

/**
 * The product a report's CPUID fields name (report version ≥ 3), or undefined when unknown.
 * Family 19h: models 00h–0Fh Milan, 10h–1Fh and A0h–AFh Genoa (incl. Bergamo/Siena); family 1Ah
 * models 00h–1Fh Turin (AMD processor programming references; as KDS names them).
 */
export function productFromCpuid(family: number, model: number): SnpProduct | undefined {
  if (family === 0x19 && model <= 0x0f) return 'Milan';
  if (family === 0x19 && ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)))
    return 'Genoa';
  if (family === 0x1a && model <= 0x1f) return 'Turin';
  return undefined;
}

/** The product an AMD certificate names in its issuer ("SEV-Milan", "SEV-VLEK-Genoa", "ARK-Turin"…). */
export function productFromName(commonName: string): SnpProduct | undefined {
  const m = /^(?:SEV|SEV-VLEK|ARK|ASK|ASVK)-(Milan|Genoa|Turin)$/.exec(commonName);
  return m ? (m[1] as SnpProduct) : undefined;
}

/** A TCB in words, for messages and reports: `bl=3 tee=0 snp=8 ucode=115` (Turin adds `fmc=`). */
export function tcbText(t: SnpTcb): string {
  return `bl=${t.bootloader} tee=${t.tee} snp=${t.snp} ucode=${t.microcode}${t.fmc === undefined ? '' : ` fmc=${t.fmc}`}`;
}
