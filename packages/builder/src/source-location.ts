import { isAbsolute, relative, sep } from 'node:path';
import type { Node } from 'ts-morph';
import type { SourceLocation } from './build-error.js';

/** A project-relative POSIX path: the only form of path the build writes, so outputs never leak the machine. */
export function relativePosix(projectDir: string, file: string): string {
  const rel = isAbsolute(file) ? relative(projectDir, file) : file;
  return rel.split(sep).join('/');
}

/** Where `node` starts (after leading trivia and JSDoc), relative to the project. */
export function locate(projectDir: string, node: Node): SourceLocation {
  const sf = node.getSourceFile();
  const { line, column } = sf.getLineAndColumnAtPos(node.getStart());
  return { file: relativePosix(projectDir, sf.getFilePath()), line, column };
}

/** `file:line:column`, as the manifest's `source` and editors expect it. */
export function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.column}`;
}
