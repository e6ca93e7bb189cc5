import type { QeTcbLevel } from './parse-qe-identity.js';
import type { TdxModuleIdentity, TdxModuleTcbLevel, TdxTcbLevel } from './parse-tcb-info.js';

/** What the platform reports about its TCB: the PCK certificate's SGX TCB and the TD's TEE_TCB_SVN. */
export interface PlatformTcb {
  sgxTcbComponents: readonly number[];
  pceSvn: number;
  teeTcbSvn: Uint8Array;
}

function atLeast(found: ArrayLike<number>, required: readonly number[], from = 0): boolean {
  if (found.length !== required.length) return false;
  for (let i = from; i < required.length; i++) if ((found[i] ?? 0) < required[i]!) return false;
  return true;
}

/**
 * The first TCB level the platform meets (Intel TDX DCAP "TCB Info" evaluation; TCB levels are
 * listed from the newest): every SGX TCB component of the PCK certificate ≥ the level's, PCESVN ≥
 * the level's, and every TEE_TCB_SVN byte ≥ the level's TDX component. When TEE_TCB_SVN[1] (the TDX
 * module's major version) is non-zero, bytes 0 and 1 are judged by the module identity instead.
 * Undefined when no level matches: the platform's TCB is not supported by this TCB info.
 */
export function findTdxTcbLevel(
  levels: readonly TdxTcbLevel[],
  platform: PlatformTcb,
): TdxTcbLevel | undefined {
  const from = (platform.teeTcbSvn[1] ?? 0) > 0 ? 2 : 0;
  return levels.find(
    (level) =>
      atLeast(platform.sgxTcbComponents, level.sgxTcbComponents) &&
      platform.pceSvn >= level.pceSvn &&
      atLeast(platform.teeTcbSvn, level.tdxTcbComponents, from),
  );
}

/** The module identity `TDX_<TEE_TCB_SVN[1] as two hex digits>`, when TEE_TCB_SVN[1] is non-zero. */
export function findTdxModuleIdentity(
  identities: readonly TdxModuleIdentity[],
  teeTcbSvn: Uint8Array,
): { id: string; identity: TdxModuleIdentity | undefined } {
  const id = `TDX_${(teeTcbSvn[1] ?? 0).toString(16).padStart(2, '0').toUpperCase()}`;
  return { id, identity: identities.find((m) => m.id.toUpperCase() === id) };
}

/** The newest level whose ISVSVN the given ISVSVN reaches (levels sorted here, newest first). */
export function findIsvSvnLevel<L extends TdxModuleTcbLevel | QeTcbLevel>(
  levels: readonly L[],
  isvSvn: number,
): L | undefined {
  return [...levels].sort((a, b) => b.isvSvn - a.isvSvn).find((level) => level.isvSvn <= isvSvn);
}
