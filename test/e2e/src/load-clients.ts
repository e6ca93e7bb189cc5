// Shared by the load and fault tests: the enclave and plain servers of bench/channel-enclave.mjs in
// their own processes, and a well-behaved client that retries what it may retry.
import { ClientError, type ConnectOptions, connect, type Session } from '@blindbox/client';
// @ts-expect-error: a JavaScript module shared with the benchmarks (bench/), typed here by use.
import { benchTrust, startServerProcess } from '../../../bench/channel-processes.mjs';

export interface ServerProcess {
  url: string;
  port: number;
  rss(): Promise<{ peak: number; now: number }>;
  stop(): Promise<void>;
}

export const startServer = startServerProcess as (options?: {
  mode?: 'blindbox' | 'plain';
  port?: number;
  limits?: Record<string, number>;
  simRootDir?: string;
}) => Promise<ServerProcess>;

export const trust = benchTrust as () => Promise<{
  simRootDir: string;
  connectOptions: ConnectOptions;
}>;

/** How a well-behaved client's calls ended. */
export interface Outcomes {
  ok: number;
  /** Failed with a typed, retryable ClientError after the retries. */
  retryable: number;
  /** Answered, but not with what was sent: must never happen. */
  wrong: string[];
  /** Failed with anything else (untyped, or typed but not retryable): must never happen. */
  lost: string[];
}

export const newOutcomes = (): Outcomes => ({ ok: 0, retryable: 0, wrong: [], lost: [] });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What an application does: retry a typed, retryable failure a bounded number of times with
 * backoff (echo is idempotent, so even "may have run" is safe to resend); anything else is final.
 */
export async function withRetries<T>(what: () => Promise<T>, tries = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (err) {
      if (!(err instanceof ClientError) || !err.retryable || attempt >= tries) throw err;
      await sleep(Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

/** Connects (with retries) and makes `calls` echo calls, recording each outcome. */
export async function wellBehavedClient(
  url: string,
  connectOptions: ConnectOptions,
  id: number,
  calls: number,
  outcomes: Outcomes,
): Promise<void> {
  let session: Session;
  try {
    session = await withRetries(() => connect(url, connectOptions));
  } catch (err) {
    record(err, outcomes, `client ${id} connect`);
    return;
  }
  for (let i = 0; i < calls; i++) {
    const text = `client ${id} call ${i}`;
    try {
      const out = await withRetries(() => session.call<{ text: string }>('echo', { text }));
      if (out.text === text) outcomes.ok++;
      else outcomes.wrong.push(`${text} → ${out.text}`);
    } catch (err) {
      record(err, outcomes, text);
    }
  }
}

function record(err: unknown, outcomes: Outcomes, what: string): void {
  if (err instanceof ClientError && err.retryable) outcomes.retryable++;
  else
    outcomes.lost.push(
      `${what}: ${err instanceof Error ? `${err.name} ${(err as { code?: string }).code ?? ''} ${err.message}` : String(err)}`,
    );
}
