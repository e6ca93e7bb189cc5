import { type FileDifference, type ReproduceReport, reproduceRelease } from '@blindbox/builder';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, VerdictError } from '../base-command.js';

export default class Reproduce extends BaseCommand {
  static override description =
    'Rebuild a release from its source in a clean temporary folder and compare every digest (image, measurements, app manifest, source tree; each layer and file of the released image when it is beside the release). Exit 1 on any difference, naming the layer and files and how they differ.';

  static override examples = [
    '<%= config.bin %> reproduce .blindbox/build/release.json',
    '<%= config.bin %> reproduce release.json --source ./my-app --image ./image',
  ];

  static override args = {
    release: Args.file({ description: 'the release statement (release.json)', required: true, exists: true }),
  };

  static override flags = {
    source: Flags.directory({ description: "the app's source folder [default: .]", exists: true }),
    image: Flags.directory({ description: 'the released image layout [default: image/ beside the release]' }),
    offline: Flags.boolean({ description: 'never fetch runtime inputs: use the cache only' }),
  };

  async run() {
    const { args, flags } = await this.parse(Reproduce);
    const report = await reproduceRelease({
      releaseFile: args.release,
      ...(flags.source ? { sourceDir: flags.source } : {}),
      ...(flags.image ? { imageDir: flags.image } : {}),
      ...(flags.offline ? { offline: true } : {}),
      log: (m) => this.logToStderr(m),
    });
    if (!report.identical)
      throw new VerdictError(describe(report), 'REPRODUCE_MISMATCH', { ok: false, ...report });
    this.log(`reproduced: every digest identical`);
    for (const d of report.digests) this.log(`  ✔ ${d.name.padEnd(26)} ${d.expected}`);
    return { ok: true, ...report };
  }
}

/** The differences, for people: each digest, then each layer and file and how it differs. */
function describe(report: ReproduceReport): string {
  const lines = ['the rebuild differs from the release:'];
  for (const d of report.digests) {
    lines.push(
      `  ${d.equal ? '✔' : '✗'} ${d.name}: ${d.equal ? d.expected : `released ${d.expected}, rebuilt ${d.actual}`}`,
    );
  }
  for (const p of report.imageProblems) lines.push(`  ✗ released image: ${p}`);
  for (const layer of report.layers) {
    lines.push(
      `  layer ${layer.index} (${layer.description}): released ${layer.expected ?? '(none)'}, rebuilt ${layer.actual ?? '(none)'}`,
    );
    for (const f of layer.files) {
      lines.push(`    ${f.path}: ${howItDiffers(f)}`);
    }
    if (layer.files.length === 0)
      lines.push('    (no file differs: the tar headers or the layer blob differ)');
  }
  for (const c of report.config) lines.push(`  config ${c}`);
  return lines.join('\n');
}

function howItDiffers(f: FileDifference): string {
  const e = f.expected;
  const a = f.actual;
  switch (f.change) {
    case 'added':
      return 'only in the rebuild';
    case 'removed':
      return 'only in the release';
    case 'size':
      return `size ${e?.size} → ${a?.size} bytes`;
    case 'mode':
      return `mode ${e?.mode} → ${a?.mode}`;
    case 'type':
      return `type ${e?.type} → ${a?.type}`;
    default:
      return `content sha256 ${e?.sha256?.slice(0, 16)}… → ${a?.sha256?.slice(0, 16)}…`;
  }
}
