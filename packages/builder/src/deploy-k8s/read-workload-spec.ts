import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkloadSpec } from './agent-policy.js';
import { K8sDeployError } from './k8s-deploy-error.js';

const MAX_JSON_BYTES = 1 << 20;

function readJson(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_JSON_BYTES) throw new Error(`larger than ${MAX_JSON_BYTES} bytes`);
    text = bytes.toString('utf8');
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new K8sDeployError(
      'K8S_BAD_INPUT',
      `cannot read the ${what} at ${path}: ${(err as Error).message}`,
    );
  }
}

function blobPath(layout: string, digest: unknown, what: string): string {
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new K8sDeployError('K8S_BAD_INPUT', `the image's ${what} digest is not sha256:<64 hex>`);
  }
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : [];

/**
 * What the agent policy pins, read from a built OCI image layout: the manifest digest, and the
 * process (entrypoint + cmd), environment and working directory of its config.
 */
export function readWorkloadSpec(layout: string): WorkloadSpec {
  const index = readJson(join(layout, 'index.json'), 'image index');
  const manifests = index['manifests'];
  if (!Array.isArray(manifests) || manifests.length !== 1) {
    throw new K8sDeployError('K8S_BAD_INPUT', `the image index at ${layout} must list exactly one manifest`);
  }
  const imageDigest = (manifests[0] as { digest?: unknown }).digest;
  const manifest = readJson(blobPath(layout, imageDigest, 'manifest'), 'image manifest');
  const config = readJson(
    blobPath(layout, (manifest['config'] as { digest?: unknown })?.digest, 'config'),
    'image config',
  );
  return workloadSpecOf(imageDigest as string, (config['config'] ?? {}) as Record<string, unknown>);
}

/**
 * What the agent policy pins, from an image's manifest digest and its config's `config` object:
 * the one rule `deploy k8s` (reading the layout) and the build (before writing it) both apply.
 */
export function workloadSpecOf(imageDigest: string, run: Readonly<Record<string, unknown>>): WorkloadSpec {
  return {
    imageDigest,
    args: [...strings(run['Entrypoint']), ...strings(run['Cmd'])],
    env: strings(run['Env']),
    cwd: typeof run['WorkingDir'] === 'string' && run['WorkingDir'] !== '' ? run['WorkingDir'] : '/',
  };
}
