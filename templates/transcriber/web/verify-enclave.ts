// The verification the page shows before it lets anything be sent: attest (evidence, binding of the
// fresh nonce and the key), the release check against the measurements this page was built with, the
// offered log entry, then the session the calls use (which the generated client verifies again,
// failing closed, on its own).
import {
  AttestationError,
  attestServer,
  compareReleaseValues,
  type VerificationReport,
} from '@blindbox/client';
import { connect, release, type TranscriberClient } from '../.blindbox/build/client/dist/index.js';
import { describeLogEntry } from './log-entry.js';

type Check = VerificationReport['checks'][number];
type ConnectOptions = NonNullable<Parameters<typeof connect>[1]>;

/** What the page displays: a summary (label → value) and every check, in order. */
export interface VerificationView {
  summary: [string, string][];
  checks: Check[];
}

/** Verification failed: `failed` is the check that did not hold; nothing was sent. */
export class VerificationRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly view: VerificationView,
    readonly failed: Check | undefined,
  ) {
    super(message);
  }
}

export async function verifyEnclave(
  url: string,
  options: ConnectOptions,
): Promise<{ client: TranscriberClient; view: VerificationView }> {
  const view: VerificationView = { summary: [['enclave', url]], checks: [] };
  const refuse = (code: string, message: string, failed?: Check): never => {
    throw new VerificationRefused(code, message, view, failed);
  };
  let attested: Awaited<ReturnType<typeof attestServer>>;
  try {
    attested = await attestServer(url, options);
  } catch (err) {
    if (err instanceof AttestationError) {
      view.checks.push(...err.checks);
      return refuse(
        err.code,
        err.message,
        err.checks.find((c) => !c.ok),
      );
    }
    const e = err as Error & { code?: string };
    return refuse(e.code ?? 'UNREACHABLE', e.message);
  }
  const { report, envelope } = attested;
  view.summary.push(
    ['platform', report.platform + (report.debug ? ' (debug: memory readable by the host)' : '')],
    ['measurement', report.measurement],
    ['release', `${release.app}@${release.version} (${release.imageDigest})`],
  );
  view.checks.push(...report.checks);
  const verdict = checkRelease(report);
  view.checks.push(...verdict.checks);
  if (verdict.refusal) refuse(verdict.refusal.code, verdict.refusal.message, verdict.refusal.failed);
  const log = describeLogEntry(envelope.release, release.imageDigest);
  view.summary.push(['log entry', log.text]);
  if (log.check) {
    view.checks.push(log.check);
    if (!log.check.ok) refuse('RELEASE_LOG_SUBJECT', 'the offered release is about another image', log.check);
  }
  try {
    const client = await connect(url, options);
    const session: Check = {
      name: 'session.measurement',
      ok: client.session.report.measurement === report.measurement,
      expected: report.measurement,
      found: client.session.report.measurement,
    };
    view.checks.push(session);
    if (!session.ok)
      refuse('SESSION_MEASUREMENT_CHANGED', 'the server changed between two attestations', session);
    view.summary.push(['verified at', client.session.report.verifiedAt]);
    return { client, view };
  } catch (err) {
    if (err instanceof VerificationRefused) throw err;
    const e = err as Error & { code?: string; checks?: Check[] };
    if (e.checks) view.checks.push(...e.checks);
    return refuse(
      e.code ?? 'SESSION_FAILED',
      e.message,
      e.checks?.find((c) => !c.ok),
    );
  }
}

/**
 * Every value the pinned release records for this platform, one check each: the rule the generated
 * client applies in connect, shown here before anything is sent.
 */
function checkRelease(report: VerificationReport): {
  checks: Check[];
  refusal?: { code: string; message: string; failed: Check };
} {
  const comparison = compareReleaseValues(report, release.measurements);
  if (comparison.verdict === 'platform-not-listed' || comparison.verdict === 'unusable') {
    const why =
      comparison.verdict === 'unusable'
        ? comparison.reason
        : `it lists ${comparison.listed.join(', ') || 'no platform'} only`;
    const failed: Check = {
      name: 'release.platform',
      ok: false,
      expected: `a release with ${report.platform} values`,
      found: why,
    };
    const code = comparison.verdict === 'unusable' ? 'CLIENT_BAD_POLICY' : 'CLIENT_PLATFORM_NOT_ACCEPTED';
    const message = `the release this page was built for cannot accept ${report.platform} evidence: ${why}`;
    return { checks: [failed], refusal: { code, message, failed } };
  }
  const checks = comparison.compared.map(
    (c): Check => ({ name: `release.${c.key}`, ok: c.ok, expected: c.expected, found: c.found }),
  );
  if (comparison.verdict === 'accepted') return { checks };
  const { failed } = comparison;
  return {
    checks,
    refusal: {
      code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED',
      message: `the server's ${report.platform} ${failed.field} is ${failed.found.slice(0, 16)}…, not the release this page was built for`,
      failed: checks.find((c) => !c.ok) as Check,
    },
  };
}
