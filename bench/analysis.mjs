#!/usr/bin/env node
// The build's analysis + client codegen against ts-morph alone, in the same run:
//   a generated app: 50 endpoints over N interfaces in 10 layered files, each type using three of
//   the next layer (so deep types are shared by several parents: fan-out^depth if inlined);
//   analyzeProject + generateClient / a ts-morph Project with the same compiler options loading
//   the same files and type-checking them (program.getSemanticDiagnostics); target <= 1.5x;
//   manifest and client sizes at N = 100 and N = 200 (linear: the ratio should be about 2).
// Run after a build: `npx turbo run build --filter=@blindbox/builder... && node bench/analysis.mjs`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const builderDir = join(root, 'packages', 'builder');
const RUNS = Number(process.env.BLINDBOX_BENCH_RUNS ?? 5);
const LAYERS = 10;
const ENDPOINTS = 50;

const { analyzeProject } = await import(pathToFileURL(join(builderDir, 'dist', 'analyze-project.js')).href);
const { generateClient } = await import(pathToFileURL(join(builderDir, 'dist', 'generate-client.js')).href);
const { canonicalJson } = await import(pathToFileURL(join(builderDir, 'dist', 'canonical-json.js')).href);
const requireBuilder = createRequire(join(builderDir, 'package.json'));
const { Project, ts } = requireBuilder('ts-morph');
const sdkTypes = requireBuilder
  .resolve('@blindbox/sdk/package.json')
  .replace(/package\.json$/, 'src/index.ts');

/** Writes the layered app with `types` interfaces; returns its folder and its files. */
function writeApp(types) {
  const dir = mkdtempSync(join(os.tmpdir(), 'blindbox-bench-analysis-'));
  mkdirSync(join(dir, 'src', 'model'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'bench-app', version: '1.0.0', type: 'module' }),
  );
  const perLayer = types / LAYERS;
  const files = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    const lines = [];
    if (layer + 1 < LAYERS) lines.push(`import type * as next from './layer${layer + 1}.js';`);
    for (let i = 0; i < perLayer; i++) {
      lines.push(
        `export interface L${layer}T${i} {`,
        '  id: string;',
        '  count: number;',
        "  kind: 'a' | 'b';",
      );
      if (layer + 1 < LAYERS) {
        for (let k = 0; k < 3; k++) lines.push(`  f${k}: next.L${layer + 1}T${(i + k) % perLayer};`);
        lines.push(`  list: next.L${layer + 1}T${(i + 3) % perLayer}[];`);
      } else {
        lines.push('  at: Date;', '  tags: string[];');
      }
      lines.push('}');
    }
    const file = join(dir, 'src', 'model', `layer${layer}.ts`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  const app = [
    "import { enclave, endpoint } from '@blindbox/sdk';",
    "import type * as m from './model/layer0.js';",
    '',
    "@enclave({ name: 'bench-app' })",
    'export class BenchApp {',
  ];
  for (let e = 0; e < ENDPOINTS; e++) {
    app.push(
      '  @endpoint()',
      `  async op${e}(req: { input: m.L0T${e % perLayer}; n: number }): Promise<{ output: m.L0T${(e + 1) % perLayer} }> {`,
      '    return { output: req.input as never };',
      '  }',
    );
  }
  app.push('}', '');
  const appFile = join(dir, 'src', 'app.ts');
  writeFileSync(appFile, app.join('\n'));
  files.push(appFile);
  return { dir, files };
}

/** ts-morph alone: the same compiler options as the analysis, load and type-check every file. */
function tsMorphAlone(files) {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      paths: { '@blindbox/sdk': [sdkTypes] },
    },
  });
  for (const f of files) project.addSourceFileAtPath(f);
  const program = project.getProgram().compilerObject;
  return program.getSemanticDiagnostics().length;
}

const release = (m) => ({
  app: m.app.name,
  version: m.app.version,
  imageDigest: `sha256:${'0'.repeat(64)}`,
  measurements: {},
});

async function analysisAndCodegen(dir) {
  const manifest = await analyzeProject(dir);
  const client = generateClient(manifest, release(manifest), '0.1.0');
  return { manifest: canonicalJson(manifest), client };
}

async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sizes = {};
for (const types of [100, 200]) {
  const { dir } = writeApp(types);
  const { manifest, client } = await analysisAndCodegen(dir);
  sizes[types] = {
    definitions: Object.keys(JSON.parse(manifest).definitions ?? {}).length,
    manifestBytes: Buffer.byteLength(manifest),
    clientDtsBytes: Buffer.byteLength(client['dist/index.d.ts']),
    clientJsBytes: Buffer.byteLength(client['dist/index.js']),
  };
  rmSync(dir, { recursive: true, force: true });
}

const { dir, files } = writeApp(200);
const ours = [];
const base = [];
// Alternating order, each run a fresh Project: neither side profits from the other's warm-up.
for (let i = 0; i < RUNS + 1; i++) {
  const a = await time(() => analysisAndCodegen(dir));
  const b = await time(() => tsMorphAlone(files));
  if (i === 0) continue; // first run of each: module loading and JIT
  ours.push(a);
  base.push(b);
}
rmSync(dir, { recursive: true, force: true });

const ratio = median(ours) / median(base);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `analysis + codegen, 50 endpoints over 200 interfaces in ${LAYERS} layered files (median of ${RUNS})`,
);
console.log(`  analyzeProject + generateClient: ${median(ours).toFixed(0)} ms`);
console.log(`  ts-morph load + type-check:      ${median(base).toFixed(0)} ms`);
console.log(`  ratio: ${ratio.toFixed(2)}x (target <= 1.5x)`);
for (const [types, s] of Object.entries(sizes)) {
  console.log(
    `  ${types} types: ${s.definitions} definitions, manifest ${kb(s.manifestBytes)}, client index.d.ts ${kb(s.clientDtsBytes)}, index.js ${kb(s.clientJsBytes)}`,
  );
}
const growth = sizes[200].manifestBytes / sizes[100].manifestBytes;
const dtsGrowth = sizes[200].clientDtsBytes / sizes[100].clientDtsBytes;
console.log(
  `  size growth 100 -> 200 types: manifest ${growth.toFixed(2)}x, index.d.ts ${dtsGrowth.toFixed(2)}x (linear: about 2x)`,
);

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'analysis.json'),
  `${JSON.stringify({ runs: RUNS, oursMs: median(ours), tsMorphMs: median(base), ratio, sizes, growth, dtsGrowth }, null, 2)}\n`,
);
