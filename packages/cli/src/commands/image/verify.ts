import { verifyOciImage } from '@blindbox/builder';
import { Args } from '@oclif/core';
import { BaseCommand, VerdictError } from '../../base-command.js';

export default class ImageVerify extends BaseCommand {
  static override description =
    'Recheck every digest of an OCI image layout folder or oci-archive tarball: each blob against its name, each descriptor (index → manifest → config, layers) and each layer diff_id. Exit 1 on any mismatch.';

  static override examples = [
    '<%= config.bin %> image verify .blindbox/build/image',
    '<%= config.bin %> image verify .blindbox/build/image.tar --json',
  ];

  static override args = {
    image: Args.string({
      description: 'an OCI image layout folder or an oci-archive tarball',
      required: true,
    }),
  };

  async run() {
    const { args } = await this.parse(ImageVerify);
    const report = await verifyOciImage(args.image);
    const result = { ok: report.problems.length === 0, ...report };
    if (!result.ok) {
      throw new VerdictError(
        `${args.image} fails verification:\n${report.problems.map((p) => `  ✗ ${p}`).join('\n')}`,
        'IMAGE_INVALID',
        result,
      );
    }
    this.log(`${args.image}: ${report.blobs.length} blobs, every digest verified`);
    this.log(`  manifest ${report.manifestDigest}`);
    for (const blob of report.blobs)
      this.log(`  ✔ ${blob.role.padEnd(12)} ${blob.digest} (${blob.size} bytes)`);
    return result;
  }
}
