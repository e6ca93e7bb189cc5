/**
 * A test seam, reachable only through `@blindbox/client/internal`: makes the client expect a given
 * GPU nonce instead of the one derived from the session binding. Recorded GPU evidence (NVIDIA's
 * sample Hopper report) answers the nonce it was recorded with, never a fresh session's; with this
 * seam a test can drive that evidence through a real server and client. A production client that
 * used it would accept GPU reports replayed from any other session: never use it outside tests.
 */
const EXPECTED_GPU_NONCE = Symbol('blindbox.unsafeExpectedGpuNonceForRecordedEvidence');

interface WithExpectedGpuNonce {
  [EXPECTED_GPU_NONCE]?: Uint8Array;
}

/** A copy of `options` under which the client expects GPU reports answering `nonce` (32 bytes). */
export function unsafeExpectedGpuNonceForRecordedEvidence<T extends object>(
  options: T,
  nonce: Uint8Array,
): T {
  if (nonce.length !== 32) throw new TypeError(`a GPU nonce is 32 bytes, got ${nonce.length}`);
  return { ...options, [EXPECTED_GPU_NONCE]: nonce.slice() };
}

/** The nonce set by {@link unsafeExpectedGpuNonceForRecordedEvidence}, if any. */
export function expectedGpuNonceOverride(options: object): Uint8Array | undefined {
  return (options as WithExpectedGpuNonce)[EXPECTED_GPU_NONCE];
}
