import { Command, Errors } from '@oclif/core';

/** Exit codes every command shares (CONTRIBUTING.md: 0 ok, 1 a verdict of "no", 2 usage or environment). */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** An error that means "the answer is no" (evidence rejected, mismatch): exit 1, not a crash. */
export class VerdictError extends Error {
  override readonly name = 'VerdictError';
  constructor(
    message: string,
    readonly code: string,
    readonly json?: unknown,
  ) {
    super(message);
  }
}

/** An error in how the command was called or in its environment: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly code = 'CLI_USAGE',
  ) {
    super(message);
  }
}

/**
 * Base of every `blindbox` command: `--json` on all of them, typed errors mapped to exit codes, and
 * line-oriented output when piped. Commands throw {@link VerdictError} for "no" and
 * {@link UsageError} for bad calls; anything else carrying a `code` is reported with it.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(
    err: Error & { code?: string; exitCode?: number; json?: unknown },
  ): Promise<unknown> {
    if (err instanceof Errors.CLIError && !(err instanceof VerdictError) && err.oclif?.exit !== undefined) {
      // oclif's own parse errors (unknown flag, missing argument): usage.
      if (this.jsonEnabled()) this.logJson({ ok: false, error: { code: 'CLI_USAGE', message: err.message } });
      else this.logToStderr(err.message);
      this.exit(EXIT.usage);
    }
    const exitCode =
      err instanceof VerdictError
        ? EXIT.rejected
        : err instanceof UsageError
          ? EXIT.usage
          : (err.exitCode ?? EXIT.usage);
    if (this.jsonEnabled()) {
      this.logJson(err.json ?? { ok: false, error: { code: err.code ?? 'CLI_ERROR', message: err.message } });
    } else {
      this.logToStderr(`${err.code ? `${err.code}: ` : ''}${err.message}`);
    }
    this.exit(exitCode);
  }
}
