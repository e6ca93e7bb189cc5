// The transparency-log entry of the signed release the server offers in its attest envelope, for
// display. This page accepts the release it was built with (pinned measurements), so the entry is
// not what makes it trust the server: the `signed-release` policy, which verifies the signature and
// the log's inclusion proof, runs in Node for now. What the page does check is that the entry is
// about this very image (its subject digest), so a mismatch is visible.
import type { VerificationReport } from '@blindbox/client';

type Check = VerificationReport['checks'][number];

export interface LogEntryView {
  /** One line for the summary. */
  text: string;
  /** The subject check, when a bundle is offered. */
  check?: Check;
}

interface OfferedBundle {
  dsseEnvelope?: { payload?: string };
  verificationMaterial?: {
    tlogEntries?: { logIndex?: string; integratedTime?: string; logId?: { keyId?: string } }[];
  };
}

export function describeLogEntry(offered: unknown, imageDigest: string): LogEntryView {
  if (offered === undefined) return { text: 'none offered (not needed: this page pins its release)' };
  const bundle = offered as OfferedBundle;
  const entry = bundle.verificationMaterial?.tlogEntries?.[0];
  let subject: string | undefined;
  try {
    const statement = JSON.parse(atob(bundle.dsseEnvelope?.payload ?? '')) as {
      subject?: { digest?: { sha256?: string } }[];
    };
    subject = statement.subject?.[0]?.digest?.sha256;
  } catch {
    subject = undefined;
  }
  // Proto3 JSON leaves out fields at their default: the first entry of a log has no `logIndex`.
  const index = entry?.logIndex ?? '0';
  const when = entry?.integratedTime ? new Date(Number(entry.integratedTime) * 1000).toISOString() : '?';
  return {
    text: entry
      ? `index ${index}, logged ${when} (offered by the server; its inclusion proof is checked by Node clients with the signed-release policy)`
      : 'a release bundle without a log entry',
    check: {
      name: 'release.logEntry.subject',
      ok: subject !== undefined && `sha256:${subject}` === imageDigest,
      expected: imageDigest,
      found: subject ? `sha256:${subject}` : 'no subject',
    },
  };
}
