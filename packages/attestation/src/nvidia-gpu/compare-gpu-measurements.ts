import { hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import type { Rim, RimMeasurement } from './parse-rim.js';
import type { MeasurementBlock } from './parse-spdm-measurements.js';

/** Index 35 describes NVDEC0; when the report says NVDEC0 is disabled it is not compared. */
const NVDEC_INDEX = 35;

interface Golden {
  measurement: RimMeasurement;
  source: 'driver' | 'vbios';
}

/**
 * The golden measurements of both RIMs by index (0-based, as the RIMs number them). The driver RIM and
 * the VBIOS RIM each own some indices; an index active in both is refused, since no rule says which
 * one would win.
 */
function goldenMeasurements(driver: Rim, vbios: Rim, checks: CheckList): Map<number, Golden> {
  const golden = new Map<number, Golden>();
  for (const m of driver.measurements.values())
    if (m.active) golden.set(m.index, { measurement: m, source: 'driver' });
  const conflicts = [...vbios.measurements.values()]
    .filter((m) => m.active && golden.has(m.index))
    .map((m) => m.index);
  checks.require(
    conflicts.length === 0,
    'gpu.rims.indices',
    'ATTESTATION_MALFORMED_EVIDENCE',
    `the driver and VBIOS RIMs both claim measurement indices ${conflicts.join(', ')}`,
    { found: conflicts.join(',') },
  );
  for (const m of vbios.measurements.values())
    if (m.active) golden.set(m.index, { measurement: m, source: 'vbios' });
  return golden;
}

/**
 * nvtrust's rule: every active golden measurement must equal (value and size) one of its alternatives
 * in the report's block of the same index (report block n+1 is golden index n); the report may hold
 * more blocks than the RIMs describe, never fewer.
 */
export function compareGpuMeasurements(
  blocks: readonly MeasurementBlock[],
  driver: Rim,
  vbios: Rim,
  nvdecDisabled: boolean,
  checks: CheckList,
): void {
  const runtime = new Map(blocks.map((b) => [b.index - 1, hexEncode(b.value)]));
  const golden = goldenMeasurements(driver, vbios, checks);
  checks.require(
    golden.size <= runtime.size,
    'gpu.measurements.count',
    'ATTESTATION_MEASUREMENT_MISMATCH',
    `the RIMs describe ${golden.size} measurements but the report holds ${runtime.size}`,
    { expected: `≥ ${golden.size}`, found: String(runtime.size) },
  );
  const mismatched: string[] = [];
  for (const [index, { measurement, source }] of [...golden].sort((a, b) => a[0] - b[0])) {
    if (index === NVDEC_INDEX && nvdecDisabled) continue;
    const found = runtime.get(index);
    const ok =
      found !== undefined &&
      found.length === measurement.size * 2 &&
      measurement.alternatives.includes(found);
    if (!ok) mismatched.push(`${index} (${source})`);
  }
  if (mismatched.length > 0) {
    checks.require(
      false,
      'gpu.measurements',
      'ATTESTATION_MEASUREMENT_MISMATCH',
      `the GPU's measurements differ from its RIMs at indices ${mismatched.join(', ')}: it does not run the driver and VBIOS those RIMs describe`,
      { found: mismatched.join(',') },
    );
  }
  checks.pass('gpu.measurements', { expected: `${golden.size} golden measurements`, found: 'all match' });
}
