import { type NvidiaGpuPolicy, verifyNvidiaGpuEvidence } from '../src/nvidia-gpu/verify-nvidia-gpu.js';

/** One GPU case as the test hands it to the page: JSON-safe. */
export interface GpuCase {
  name: string;
  reportHex: string;
  chain: string;
  nonceHex: string;
  driverRim?: string;
  vbiosRim?: string;
  noRims?: boolean;
  rimRootSha256?: string[];
  at: string;
}

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));

/** The verdict in a comparable form: the same function runs in Node and in the page. */
export async function verdict(c: GpuCase): Promise<Record<string, unknown>> {
  const policy: NvidiaGpuPolicy = {
    at: new Date(c.at),
    expectedNonce: fromHex(c.nonceHex),
    ...(c.noRims ? { noRims: true } : {}),
    ...(c.driverRim ? { driverRim: c.driverRim } : {}),
    ...(c.vbiosRim ? { vbiosRim: c.vbiosRim } : {}),
    ...(c.rimRootSha256 ? { rimRootSha256: c.rimRootSha256 } : {}),
  };
  try {
    const r = await verifyNvidiaGpuEvidence({ report: fromHex(c.reportHex), certChain: c.chain }, policy);
    return {
      ok: true,
      driverVersion: r.driverVersion,
      vbiosVersion: r.vbiosVersion,
      checks: r.checks.map((x) => x.name),
    };
  } catch (err) {
    const e = err as { code?: string; checks?: { name: string }[] };
    return { ok: false, code: e.code, checks: e.checks?.map((x) => x.name) };
  }
}

(globalThis as unknown as { blindboxGpuVerdict: typeof verdict }).blindboxGpuVerdict = verdict;
