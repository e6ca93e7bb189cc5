import { isAbsolute, resolve } from 'node:path';
import * as core from '@actions/core';
import { ActionError } from './action-error.js';

/** The public Sigstore instances, the defaults of `fulcio-url` and `rekor-url`. */
export const PUBLIC_FULCIO = 'https://fulcio.sigstore.dev';
export const PUBLIC_REKOR = 'https://rekor.sigstore.dev';
/** The issuer of GitHub Actions' OIDC tokens: what a keyless release's certificate names. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** The action's inputs, checked (see action.yml for each one's meaning). */
export interface ActionInputs {
  workingDirectory: string;
  /** The app folder (absolute). */
  app: string;
  sign: 'keyless' | 'key';
  /** PEM text of the signing key, for `sign: key`. */
  key?: string;
  /** `rekor` (at `rekorUrl`) or the URL of an embedded log. */
  log: { kind: 'rekor'; url: string } | { kind: 'embedded'; url: string };
  /** Absolute path of the pinned Sigstore TrustedRoot JSON. */
  trustedRoot: string;
  fulcioUrl: string;
  oidcIssuer: string;
  upload: boolean;
  allowUntagged: boolean;
  insecureSkipCertificateTransparency: boolean;
}

/** Reads and checks every input before anything runs. */
export function readInputs(): ActionInputs {
  const workingDirectory = resolve(core.getInput('working-directory') || '.');
  const inDir = (p: string) => (isAbsolute(p) ? p : resolve(workingDirectory, p));
  const sign = core.getInput('sign') || 'keyless';
  if (sign !== 'keyless' && sign !== 'key')
    throw new ActionError('ACTION_BAD_INPUT', `sign must be "keyless" or "key", got ${JSON.stringify(sign)}`);
  const key = core.getInput('key');
  if (sign === 'key' && !key)
    throw new ActionError('ACTION_BAD_INPUT', 'sign: key needs the key input (the PEM text, from a secret)');
  if (sign === 'keyless' && key)
    throw new ActionError(
      'ACTION_BAD_INPUT',
      'the key input is only for sign: key; remove it or set sign: key',
    );
  // the runner masks a secret value line by line only if told each line: a PEM is several lines
  if (key) for (const line of key.split(/\r?\n|\\n/)) if (line.trim().length > 8) core.setSecret(line.trim());
  const logInput = core.getInput('log') || 'rekor';
  const rekorUrl = url('rekor-url', core.getInput('rekor-url') || PUBLIC_REKOR);
  const log =
    logInput === 'rekor'
      ? ({ kind: 'rekor', url: rekorUrl } as const)
      : ({ kind: 'embedded', url: url('log', logInput) } as const);
  const trustedRoot = core.getInput('trusted-root');
  if (!trustedRoot)
    throw new ActionError(
      'ACTION_BAD_INPUT',
      'trusted-root is required: the pinned Sigstore TrustedRoot JSON the release is verified against before the action succeeds',
    );
  return {
    workingDirectory,
    app: inDir(core.getInput('app') || '.'),
    sign,
    ...(key ? { key } : {}),
    log,
    trustedRoot: inDir(trustedRoot),
    fulcioUrl: url('fulcio-url', core.getInput('fulcio-url') || PUBLIC_FULCIO),
    oidcIssuer: core.getInput('oidc-issuer') || GITHUB_OIDC_ISSUER,
    upload: bool('upload', false),
    allowUntagged: bool('allow-untagged', false),
    insecureSkipCertificateTransparency: bool('insecure-skip-certificate-transparency', false),
  };
}

function url(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ActionError(
      'ACTION_BAD_INPUT',
      `${name} must be "rekor" or a URL, got ${JSON.stringify(value)}`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ActionError('ACTION_BAD_INPUT', `${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

function bool(name: string, fallback: boolean): boolean {
  const value = core.getInput(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ActionError('ACTION_BAD_INPUT', `${name} must be true or false, got ${JSON.stringify(value)}`);
}
