// Runs one build in a separate process (bundled by test/support/child-build.ts), so a test can
// vary what a process-wide setting such as TZ does to the output.
import { buildAppWith } from '../../src/build-app.js';

const [projectDir, outDir, runtimeModule] = process.argv.slice(2);
if (!projectDir || !outDir) throw new Error('usage: build-child <projectDir> <outDir> [runtimeModule]');
const result = await buildAppWith({ projectDir, outDir }, runtimeModule ? { runtimeModule } : {});
process.stdout.write(
  JSON.stringify({
    imageDigest: result.imageDigest,
    measurements: result.measurements,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    offsetMinutes: new Date(0).getTimezoneOffset(),
    umask: process.umask(),
  }),
);
