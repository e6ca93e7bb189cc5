/** Stable codes of {@link ClientError}. Codes never change meaning; new ones may be added. */
export type ClientErrorCode =
  /** A value the accepted release pins (`field`) differs from the evidence (`expected`, `found`). */
  | 'CLIENT_MEASUREMENT_NOT_ACCEPTED'
  /** No accepted release lists values for the evidence's platform. */
  | 'CLIENT_PLATFORM_NOT_ACCEPTED'
  /** The policy allows listed chips only (`allowedChipIds`) and the evidence names another or none. */
  | 'CLIENT_CHIP_NOT_ALLOWED'
  | 'CLIENT_RELEASE_NOT_ACCEPTED'
  | 'CLIENT_BAD_POLICY'
  /** The server answered an HTTP status the protocol does not expect here. */
  | 'CLIENT_HTTP_ERROR'
  /** The server could not be reached: no connection was made, so nothing was sent. */
  | 'CLIENT_NETWORK_ERROR'
  | 'CLIENT_KEY_ROTATED'
  /** A timeout elapsed (`phase`: connect, headers, body or total). */
  | 'CLIENT_TIMEOUT'
  /** An answer exceeded the client's limit for it (`limit` names the bytes allowed). */
  | 'CLIENT_RESPONSE_TOO_LARGE'
  /** The input exceeds the endpoint's limit (`limit`); raised before sealing when the limit is known. */
  | 'CLIENT_BODY_TOO_LARGE'
  /** The server closed the connection during the exchange (for example mid-upload). */
  | 'CLIENT_CONNECTION_CLOSED'
  /**
   * The call may or may not have run (the answer was not an authenticated refusal, docs/protocol.md
   * §11.7), and the endpoint is not declared idempotent, so it was not resent. Retry it yourself
   * if running it twice is acceptable.
   */
  | 'CLIENT_OUTCOME_UNKNOWN'
  /** The server stayed busy (503) through every bounded retry. */
  | 'CLIENT_SERVER_BUSY'
  /** The policy requires GPUs in confidential-computing mode; the envelope carries evidence for fewer (or none). */
  | 'CLIENT_GPU_EVIDENCE_MISSING';

/** Where a {@link ClientError} `CLIENT_TIMEOUT` happened. */
export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'total';

/** Details some codes carry. */
export interface ClientErrorDetails {
  cause?: unknown;
  /** Whether trying again later may succeed (network, timeout, busy, outcome unknown). */
  retryable?: boolean;
  /** Whether the handler may have run (false only when the protocol proves it did not). */
  mayHaveRun?: boolean;
  /** The limit that was exceeded, in bytes. */
  limit?: number;
  /** The timeout phase. */
  phase?: TimeoutPhase;
  /** The HTTP status, when one was received. */
  status?: number;
  /** The release value or evidence field that did not match (`snp.hostData`, `chipId`). */
  field?: string;
  /** What the release or policy requires there. */
  expected?: string;
  /** What the evidence says there. */
  found?: string;
}

/** The one error class of `@blindbox/client` (evidence problems are `AttestationError`, wire problems `ProtocolError`). */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly retryable: boolean;
  readonly mayHaveRun: boolean | undefined;
  readonly limit: number | undefined;
  readonly phase: TimeoutPhase | undefined;
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly expected: string | undefined;
  readonly found: string | undefined;

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    details: ClientErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.retryable = details.retryable ?? false;
    this.mayHaveRun = details.mayHaveRun;
    this.limit = details.limit;
    this.phase = details.phase;
    this.status = details.status;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/**
 * A typed error the enclave answered: a handler's `EndpointError`, or `INVALID_INPUT` (the input does
 * not match the endpoint's type: `path`, `expected` and `found` say where and how),
 * `UNKNOWN_ENDPOINT`, `INTERNAL`.
 */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  /** `INVALID_INPUT`: what the endpoint's type allows at `path`, e.g. `a string`. */
  readonly expected: string | undefined;
  /** `INVALID_INPUT`: what the input held there, e.g. `a number`, `nothing`. */
  readonly found: string | undefined;
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
    detail: { expected?: string; found?: string } = {},
  ) {
    super(message);
    this.expected = detail.expected;
    this.found = detail.found;
  }
}
