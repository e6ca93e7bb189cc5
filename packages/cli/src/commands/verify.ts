import { readFileSync } from 'node:fs';
import { AttestationError } from '@blindbox/attestation';
import {
  acceptMeasurementFromRelease,
  attestServer,
  ClientError,
  type ComparedValue,
  compareReleaseValues,
  evidenceReleaseValues,
} from '@blindbox/client';
import { ProtocolError } from '@blindbox/protocol';
import { loadSimRoot } from '@blindbox/runtime/simulator';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../base-command.js';
import { simRootDir, simRootFlag } from '../flags/simulator-flags.js';
import { allowDebugFlag } from '../flags/tee-policy-flags.js';

export default class Verify extends BaseCommand {
  static override description =
    'Attest a running BlindBox server with a fresh nonce and print the verification report and every value a release can pin for it. With --release, also check every value the release pins for the platform (measurement, host data, TCB, RTMRs, PCRs, …) and print each comparison.';

  static override examples = [
    '<%= config.bin %> verify https://notes.example.com --release release.json',
    '<%= config.bin %> verify http://127.0.0.1:8080 --allow-simulated --json',
  ];

  static override args = {
    url: Args.url({ description: 'the server origin', required: true }),
  };

  static override flags = {
    release: Flags.file({
      description: 'release statement (release.json) whose measurements to require',
      exists: true,
    }),
    'allow-simulated': Flags.boolean({ description: 'accept the local simulator (development only)' }),
    'sim-root': simRootFlag('simulator root to trust with --allow-simulated'),
    'allow-debug': allowDebugFlag,
  };

  private printReport(
    out: {
      url: string;
      platform: string;
      measurement: string;
      checks: { name: string; found?: string | undefined }[];
      values: Record<string, string>;
      compared: ComparedValue[] | null;
      release: { app: string; version: string } | null;
    },
    printCompared: () => void,
  ): void {
    this.log(`✔ ${out.url}: ${out.platform} evidence verified (${out.checks.length} checks)`);
    for (const c of out.checks) this.log(`  ✔ ${c.name}${c.found ? ` = ${c.found}` : ''}`);
    this.log(`  measurement: ${out.measurement}`);
    if (out.compared === null) {
      this.log('  values a release can pin for this server:');
      for (const [key, value] of Object.entries(out.values)) this.log(`    ${key}: ${value}`);
      this.log('  release:     not checked (pass --release release.json to require the released values)');
    } else {
      printCompared();
      this.log(
        `  release:     ${out.release?.app}@${out.release?.version}: all ${out.compared.length} values match`,
      );
    }
  }

  async run() {
    const { args, flags } = await this.parse(Verify);
    const simulatorRoots = flags['allow-simulated']
      ? [loadSimRoot(simRootDir(flags['sim-root'])).publicKey]
      : [];
    let statement: unknown;
    if (flags.release) {
      try {
        statement = JSON.parse(readFileSync(flags.release, 'utf8'));
      } catch (err) {
        throw new UsageError(`cannot read ${flags.release}: ${(err as Error).message}`);
      }
    }
    try {
      const attested = await attestServer(args.url.href, {
        allowSimulated: flags['allow-simulated'],
        allowDebug: flags['allow-debug'],
        simulatorRoots,
      });
      const values = evidenceReleaseValues(attested.report);
      const printCompared = (compared: readonly ComparedValue[]) => {
        for (const c of compared) {
          this.log(
            `  ${c.ok ? '✔' : '✘'} release ${c.key} (${c.field}): ${c.found}${c.ok ? '' : `, release requires ${c.expected}`}`,
          );
        }
      };
      let accepted: { app: string; version: string; compared: ComparedValue[] } | null = null;
      try {
        accepted = statement === undefined ? null : acceptMeasurementFromRelease(attested.report, statement);
      } catch (err) {
        if (!(err instanceof ClientError) || statement === undefined) throw err;
        // Refused: list every comparison, not only the first that failed.
        const compared = comparedValues(attested.report, statement);
        if (!this.jsonEnabled()) printCompared(compared);
        throw new VerdictError(`rejected: ${err.message}`, err.code, {
          ok: false,
          url: args.url.origin,
          platform: attested.report.platform,
          values,
          compared,
          error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
        });
      }
      const compared = accepted === null ? null : accepted.compared;
      const out = {
        ok: true,
        url: args.url.origin,
        platform: attested.report.platform,
        measurement: attested.report.measurement,
        measurementAccepted: accepted === null ? null : true,
        release: accepted === null ? null : { app: accepted.app, version: accepted.version },
        values,
        compared,
        debug: attested.report.debug,
        reportData: attested.report.reportData,
        checks: attested.report.checks,
        claims: attested.report.claims,
        verifiedAt: attested.report.verifiedAt,
      };
      this.printReport(out, () => printCompared(compared ?? []));
      return out;
    } catch (err) {
      if (err instanceof AttestationError || err instanceof ClientError || err instanceof ProtocolError) {
        const checks = err instanceof AttestationError ? err.checks : [];
        throw new VerdictError(`rejected: ${err.message}`, err.code, {
          ok: false,
          url: args.url.origin,
          checks,
          error: { code: err.code, message: err.message },
        });
      }
      throw err;
    }
  }
}

/** Every comparison with the release's values (empty when the statement is not a release: the accept step says why). */
function comparedValues(
  report: Parameters<typeof compareReleaseValues>[0],
  statement: unknown,
): ComparedValue[] {
  const measurements = (statement as { predicate?: { measurements?: unknown } })?.predicate?.measurements;
  if (typeof measurements !== 'object' || measurements === null) return [];
  const result = compareReleaseValues(report, measurements as Record<string, unknown>);
  return result.verdict === 'accepted' || result.verdict === 'mismatch' ? result.compared : [];
}
