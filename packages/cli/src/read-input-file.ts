import { readFileSync } from 'node:fs';
import { UsageError } from './base-command.js';

/** Reads a file named on the command line; a missing or unreadable file is a usage error (exit 2). */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** {@link readInputFile} as UTF-8 text (PEM chains, JSON collateral). */
export function readInputText(path: string, what: string): string {
  return new TextDecoder().decode(readInputFile(path, what));
}
