/*
 * Internals of @blindbox/client for BlindBox's own tests. Not a stable API, and nothing here belongs
 * in a production client.
 */
export { unsafeExpectedGpuNonceForRecordedEvidence } from './recorded-gpu-nonce.js';
