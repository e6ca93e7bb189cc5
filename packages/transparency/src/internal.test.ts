import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('@blindbox/transparency/internal', () => {
  it('bundles for the browser without any Node.js module', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./internal.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      metafile: true,
      // the workspace packages' sources, as the tests read them (no build needed)
      conditions: ['@blindbox/source'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(inputs.some((i) => i.includes('signed-note'))).toBe(true);
  });
});
