/** Stable codes of {@link ClientError}. */
export type ClientErrorCode =
  | 'CLIENT_MEASUREMENT_NOT_ACCEPTED'
  | 'CLIENT_RELEASE_NOT_ACCEPTED'
  | 'CLIENT_BAD_POLICY'
  | 'CLIENT_HTTP_ERROR'
  | 'CLIENT_NETWORK_ERROR'
  | 'CLIENT_KEY_ROTATED';

/** The one error class of `@blindbox/client` (evidence problems are `AttestationError`, wire problems `ProtocolError`). */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A typed error the enclave's handler returned (`EndpointError` on the server, or BAD_INPUT, UNKNOWN_ENDPOINT, INTERNAL). */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}
