// Stands in for @blindbox/runtime in builds when the real one cannot be bundled (it is developed in
// parallel). Same exports the generated main module imports.
export { validatorSupport } from '../../../runtime/src/validation-issue.js';

export async function runEnclave(options: {
  manifest: unknown;
  enclaveClass: new () => object;
  validators?: Record<string, unknown>;
}): Promise<void> {
  const validators = Object.keys(options.validators ?? {});
  process.stdout.write(
    `${JSON.stringify({ standIn: true, className: options.enclaveClass.name, validators })}\n`,
  );
}
