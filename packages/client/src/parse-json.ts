import { ClientError } from './client-error.js';

/**
 * JSON.parse after a linear scan that refuses nesting deeper than `maxDepth` (a hostile server's
 * 40 MB of nested arrays took the client to 1.3 GB). Brackets inside strings do not count.
 *
 * @returns the parsed value, or `undefined` when the text is not JSON (callers fail with their own code).
 * @throws ClientError `CLIENT_RESPONSE_TOO_LARGE` (too deep, `limit` = the depth).
 */
export function parseJsonBounded(text: string, maxDepth: number, what: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new ClientError('CLIENT_RESPONSE_TOO_LARGE', `${what}: JSON nested deeper than ${maxDepth}`, {
          limit: maxDepth,
        });
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
