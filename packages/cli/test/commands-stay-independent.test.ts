import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const commandsDir = fileURLToPath(new URL('../src/commands/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative module specifiers of static and dynamic imports and re-exports. */
function relativeImports(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g),
    ...source.matchAll(/\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
    ...source.matchAll(/\bimport\s+['"](\.{1,2}\/[^'"]+)['"]/g),
  ];
  return specifiers.map((m) => m[1]!);
}

describe('command modules', () => {
  // Without a manifest oclif imports every command file; a command importing another would also
  // run its module code twice over and tie two commands' flags together. Shared code lives in
  // src/flags, src/evidence, src/release and the like.
  it('import no other command', () => {
    const files = sourceFiles(commandsDir);
    expect(files.length).toBeGreaterThan(5);
    const crossings = files.flatMap((file) =>
      relativeImports(readFileSync(file, 'utf8'))
        .map((specifier) => resolve(dirname(file), specifier))
        .filter((target) => !relative(commandsDir, target).startsWith('..'))
        .map((target) => `${relative(commandsDir, file)} → ${relative(commandsDir, target)}`),
    );
    expect(crossings).toEqual([]);
  });
});
