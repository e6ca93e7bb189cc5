import * as core from '@actions/core';

/** Everything the action reports, set only once the release is verified (no partial outputs). */
export interface ActionReport {
  app: string;
  version: string;
  imageDigest: string;
  measurements: Record<string, string>;
  releasePath: string;
  bundlePath: string;
  logIndex: number;
  logUrl: string;
  signer: string;
}

/** Sets the step outputs and writes the job summary table. */
export async function writeReport(report: ActionReport): Promise<void> {
  core.setOutput('image-digest', report.imageDigest);
  core.setOutput('measurements', JSON.stringify(report.measurements));
  core.setOutput('release-path', report.releasePath);
  core.setOutput('bundle-path', report.bundlePath);
  core.setOutput('log-index', String(report.logIndex));
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  const row = (name: string, value: string) => [
    { data: name },
    { data: `<code>${escapeHtml(value)}</code>` },
  ];
  await core.summary
    .addHeading(`BlindBox release ${escapeHtml(report.app)}@${escapeHtml(report.version)}`, 2)
    .addTable([
      [
        { data: 'field', header: true },
        { data: 'value', header: true },
      ],
      row('app', report.app),
      row('version', report.version),
      row('image digest', report.imageDigest),
      ...Object.entries(report.measurements).map(([name, value]) => row(`measurement: ${name}`, value)),
      row('signer', report.signer),
      row('log entry', `${report.logIndex} at ${report.logUrl}`),
    ])
    .write();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
