// Stands in for @blindbox/runtime in builds when the real one cannot be bundled (it is developed in
// parallel). Same export the generated main module imports.
export async function runEnclave(options: {
  manifest: unknown;
  enclaveClass: new () => object;
}): Promise<void> {
  process.stdout.write(`${JSON.stringify({ standIn: true, className: options.enclaveClass.name })}\n`);
}
