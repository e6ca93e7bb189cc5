import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Vite 8 (under Vitest 4) does not lower TC39 decorators, and Node's type stripping refuses them
 * (docs/design.md §8). This plugin runs esbuild's own transform on our TypeScript before Vite sees it.
 */
export function lowerDecorators(): Plugin {
  return {
    name: 'blindbox:lower-decorators',
    enforce: 'pre',
    async transform(code, id) {
      const file = id.split('?')[0] ?? id;
      if (!/\.(m|c)?tsx?$/.test(file) || file.includes('/node_modules/')) return null;
      if (!code.includes('@')) return null;
      const out = await transform(code, {
        loader: file.endsWith('x') ? 'tsx' : 'ts',
        target: 'es2022',
        format: 'esm',
        sourcemap: true,
        sourcefile: file,
      });
      return { code: out.code, map: out.map };
    },
  };
}

export const sharedConfig = defineConfig({
  plugins: [lowerDecorators()],
  resolve: { conditions: ['@blindbox/source'] },
  ssr: { resolve: { conditions: ['@blindbox/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./test-temp-root.ts', import.meta.url))],
    setupFiles: [fileURLToPath(new URL('./test-temp-file.ts', import.meta.url))],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default sharedConfig;
