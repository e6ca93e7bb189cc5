/**
 * A Node built-in module (`node:crypto`, `node:http`, …) found at run time through
 * `process.getBuiltinModule` (Node ≥ 20.16), so that no import statement reaches a browser bundle;
 * undefined where the platform is not Node or the module lacks what `isUsable` checks for.
 */
export function nodeBuiltin<T>(id: string, isUsable: (module: T) => boolean): T | undefined {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  try {
    const found = get(id) as T | undefined;
    return found !== undefined && found !== null && isUsable(found) ? found : undefined;
  } catch {
    return undefined;
  }
}
