import { existsSync } from 'node:fs';
import * as core from '@actions/core';
import { ActionError } from './action-error.js';
import type { BuildSummary } from './build-app.js';

/**
 * Attaches the release files (statement, signed bundle, build summary) to the workflow run as the
 * artifact `blindbox-release-<app>-<version>`, with GitHub's artifact service (`@actions/artifact`).
 */
export async function uploadRelease(summary: BuildSummary, files: string[]): Promise<void> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const name = `blindbox-release-${summary.app}-${summary.version}`.replace(/[^A-Za-z0-9._-]/g, '-');
  try {
    const result = await new DefaultArtifactClient().uploadArtifact(
      name,
      files.filter((f) => existsSync(f)),
      summary.outDir,
    );
    core.info(`uploaded the artifact ${name} (id ${result.id ?? '?'}, ${result.size ?? '?'} bytes)`);
  } catch (err) {
    throw new ActionError(
      'ACTION_BAD_INPUT',
      `upload: true, but the artifact upload failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
