import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real-hardware vectors (vectors/ at the repository root, see its README); BLINDBOX_VECTORS overrides the location. */
export const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../vectors/', import.meta.url));

export function vector(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS, path)));
}

export function vectorText(path: string): string {
  return readFileSync(join(VECTORS, path), 'utf8');
}

export interface ExpectedCase {
  files: Record<string, string>;
  at: string;
  verdict: string;
  verdictIfDebugAllowed?: string;
  fields?: Record<string, unknown>;
  alsoReject?: {
    at?: string;
    flipByte?: number;
    xor?: number;
    vcek?: string;
    document?: string;
    why: string;
  }[];
}

export const expected = JSON.parse(vectorText('expected.json')) as Record<string, ExpectedCase> & {
  awsNitroRootSha256: string;
  amdArkSha256: Record<string, string>;
};

/** Hex text to bytes (test helper). */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.trim(), 'hex'));
}
