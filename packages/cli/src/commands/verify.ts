import { readFileSync } from 'node:fs';
import { AttestationError } from '@blindbox/attestation';
import { acceptMeasurementFromRelease, attestServer, ClientError } from '@blindbox/client';
import { ProtocolError } from '@blindbox/protocol';
import { loadSimRoot } from '@blindbox/runtime/simulator';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../base-command.js';
import { simRootDir, simRootFlag } from '../flags/simulator-flags.js';
import { allowDebugFlag } from '../flags/tee-policy-flags.js';

export default class Verify extends BaseCommand {
  static override description =
    'Attest a running BlindBox server with a fresh nonce and print the verification report. With --release, also check that its measurement is the released one.';

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
      const accepted =
        statement === undefined ? null : acceptMeasurementFromRelease(attested.report, statement);
      const out = {
        ok: true,
        url: args.url.origin,
        platform: attested.report.platform,
        measurement: attested.report.measurement,
        measurementAccepted: accepted === null ? null : true,
        release: accepted,
        debug: attested.report.debug,
        reportData: attested.report.reportData,
        checks: attested.report.checks,
        claims: attested.report.claims,
        verifiedAt: attested.report.verifiedAt,
      };
      this.log(`✔ ${out.url}: ${out.platform} evidence verified (${out.checks.length} checks)`);
      for (const c of out.checks) this.log(`  ✔ ${c.name}${c.found ? ` = ${c.found}` : ''}`);
      this.log(`  measurement: ${out.measurement}`);
      this.log(
        accepted === null
          ? '  release:     not checked (pass --release release.json to require the released measurement)'
          : `  release:     ${accepted.app}@${accepted.version} matches`,
      );
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
