import { readFileSync } from 'node:fs';
import { computeSnpLaunchDigest, SnpLaunchError, type VmmType } from '@blindbox/builder/snp-launch';
import { Flags } from '@oclif/core';
import { BaseCommand, UsageError } from '../../base-command.js';

function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(err as Error).message}`, 'CLI_FILE_UNREADABLE');
  }
}

function parseHex(text: string, flag: string, bytes?: number): Uint8Array {
  const clean = text.replace(/^0x/i, '');
  if (!/^(?:[0-9a-f]{2})+$/i.test(clean) || (bytes !== undefined && clean.length !== bytes * 2)) {
    throw new UsageError(
      `--${flag} must be ${bytes ? `${bytes} bytes of ` : ''}hex, got ${JSON.stringify(text)}`,
    );
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export default class MeasureSnp extends BaseCommand {
  static override description =
    'Compute the SEV-SNP launch measurement (the MEASUREMENT field of the attestation report) that a guest booted from this firmware, kernel, initrd and command line, with these vCPUs, will report. Pin it in a release so clients accept exactly that guest.';

  static override examples = [
    '<%= config.bin %> measure snp --ovmf OVMF.fd --kernel vmlinuz --initrd initrd.img --append "console=ttyS0" --vcpus 4 --vcpu-type EPYC-Milan --guest-features 0x21 --vmm-type qemu',
    '<%= config.bin %> measure snp --ovmf OVMF.fd --vcpus 2 --guest-features 0x1 --vmm-type ec2 --json',
  ];

  static override flags = {
    ovmf: Flags.string({ description: 'the OVMF firmware image the guest boots', required: true }),
    'ovmf-hash': Flags.string({
      description:
        'precomputed SHA-384 firmware digest (hex) to use instead of hashing --ovmf (whose metadata is still read)',
    }),
    kernel: Flags.string({
      description: 'kernel for measured direct boot (needs an OVMF with an SEV hashes table)',
    }),
    initrd: Flags.string({ description: 'initrd for measured direct boot', dependsOn: ['kernel'] }),
    append: Flags.string({ description: 'kernel command line', dependsOn: ['kernel'] }),
    vcpus: Flags.integer({ description: 'number of vCPUs', required: true, min: 1, max: 512 }),
    'vcpu-type': Flags.string({ description: 'QEMU vCPU model (qemu only)', default: 'EPYC-v4' }),
    'guest-features': Flags.string({
      description: 'SEV_FEATURES word in hex (0x1: SNP only; QEMU sets 0x21 by default)',
      default: '0x1',
    }),
    'vmm-type': Flags.string({
      description: 'the VMM that launches the guest',
      options: ['qemu', 'ec2', 'gce'],
      default: 'qemu',
    }),
  };

  async run() {
    const { flags } = await this.parse(MeasureSnp);
    if (!/^(0x)?[0-9a-f]{1,16}$/i.test(flags['guest-features'])) {
      throw new UsageError(
        `--guest-features must be a 64-bit hex value, got ${JSON.stringify(flags['guest-features'])}`,
      );
    }
    const inputs = {
      ovmf: readInput(flags.ovmf, 'firmware'),
      ovmfHash: flags['ovmf-hash'] === undefined ? undefined : parseHex(flags['ovmf-hash'], 'ovmf-hash', 48),
      boot:
        flags.kernel === undefined
          ? undefined
          : {
              kernel: readInput(flags.kernel, 'kernel'),
              initrd: flags.initrd === undefined ? undefined : readInput(flags.initrd, 'initrd'),
              append: flags.append,
            },
      vcpus: flags.vcpus,
      vcpuType: flags['vcpu-type'],
      guestFeatures: BigInt(`0x${flags['guest-features'].replace(/^0x/i, '')}`),
      vmm: flags['vmm-type'] as VmmType,
    };
    let measurement: string;
    try {
      measurement = Buffer.from(computeSnpLaunchDigest(inputs)).toString('hex');
    } catch (err) {
      if (err instanceof SnpLaunchError) throw new UsageError(err.message, err.code);
      throw err;
    }
    this.log(measurement);
    return { measurement };
  }
}
