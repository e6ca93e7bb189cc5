import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// docs/design.md §4: client, attestation and protocol import no Node-only module; they bundle for browsers.
describe('isomorphic packages bundle for the browser', () => {
  it.each(['@blindbox/protocol', '@blindbox/attestation', '@blindbox/client'])('%s', async (pkg) => {
    const result = await build({
      stdin: { contents: `export * from '${pkg}';`, resolveDir: import.meta.dirname, loader: 'js' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['@blindbox/source'],
      // The signed-release policy loads sigstore verification on demand, in Node only.
      external: ['@blindbox/transparency'],
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(
      inputs.filter((i) => i.startsWith('node:') || /(^|\/)node_modules\/(fs|path|crypto)\//.test(i)),
    ).toEqual([]);
    expect(result.outputFiles[0]?.text.length).toBeGreaterThan(1000);
  });
});
