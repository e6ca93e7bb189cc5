/** Base64 (standard or URL-safe, padding optional) to bytes; throws TypeError on invalid input. */
export function base64ToBytes(text: string): Uint8Array {
  const mapped = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  // Strip the padding with a loop: /=+$/ backtracks quadratically on a long run of '=' that is not
  // at the end, and this input (collateral) comes from the server.
  let end = mapped.length;
  while (end > 0 && mapped.charCodeAt(end - 1) === 0x3d) end--;
  const clean = mapped.slice(0, end);
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) throw new TypeError('not base64');
  const bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes to standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
