import { describe, expect, it } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { parseRim } from '../src/nvidia-gpu/parse-rim.js';
import { parseSpdmMeasurements } from '../src/nvidia-gpu/parse-spdm-measurements.js';
import { type NvidiaGpuPolicy, verifyNvidiaGpuEvidence } from '../src/nvidia-gpu/verify-nvidia-gpu.js';
import { decodePemCertificates, parseCertificate } from '../src/x509/parse-certificate.js';
import { certificateFingerprint } from '../src/x509/verify-certificate-chain.js';
import { gpu, resignRim, setMeasurement } from './nvidia-gpu-fixtures.js';

const nonce = Uint8Array.from(Buffer.from(gpu.nonce, 'hex'));
const testRoot = certificateFingerprint(parseCertificate(decodePemCertificates(gpu.testRimRoot)[0]!));
const evidence = (report = gpu.report(), certChain: string | Uint8Array[] = gpu.chain()) => ({
  report,
  certChain,
});

async function rejection(promise: Promise<unknown>): Promise<AttestationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    return err as AttestationError;
  }
  throw new Error('expected a rejection');
}

/** NVIDIA's RIMs edited to the sample report's versions and measurements, re-signed by the test-only CA. */
async function matchingRims() {
  const spdm = parseSpdmMeasurements(gpu.report());
  const value = (index: number) =>
    Buffer.from(spdm.blocks.find((b) => b.index === index + 1)!.value).toString('hex');
  const withReportValues = (xml: string, version: string) => {
    let out = xml.replace(/colloquialVersion="[^"]*"/, `colloquialVersion="${version}"`);
    const rim = parseRim(xml, 'driver');
    for (const m of rim.measurements.values())
      if (m.active) out = setMeasurement(out, m.index, value(m.index));
    return out;
  };
  return {
    driverRim: await resignRim(gpu.driverRim(), (x) => withReportValues(x, '550.90.07')),
    vbiosRim: await resignRim(gpu.vbiosRim(), (x) => withReportValues(x, '96.00.9F.00.01')),
  };
}

describe('NVIDIA Hopper GPU evidence: the report, its chain and its nonce', () => {
  const policy: NvidiaGpuPolicy = { expectedNonce: nonce, noRims: true, at: gpu.rimTime };

  it('NVIDIA’s sample verifies with its nonce, and says the measurements were not compared', async () => {
    const report = await verifyNvidiaGpuEvidence(evidence(), policy);
    expect(report).toMatchObject({
      platform: 'nvidia-gpu',
      architecture: 'hopper',
      driverVersion: '550.90.07',
      vbiosVersion: '96.00.9f.00.01',
      nonce: gpu.nonce,
      measurementsCompared: false,
    });
    expect(Object.keys(report.measurements)).toHaveLength(64);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['gpu.signature', 'gpu.nonce', 'gpu.fwid', 'gpu.chain.root.pinned']),
    );
    expect(report.checks.every((c) => c.ok)).toBe(true);
  });

  it('a flipped bit anywhere in the signed report is ATTESTATION_BAD_SIGNATURE', async () => {
    for (const at of [60, 1000, 3000, 4000]) {
      const report = gpu.report();
      report[at]! ^= 0x01;
      const err = await rejection(verifyNvidiaGpuEvidence(evidence(report), policy));
      expect(err.code).toBe('ATTESTATION_BAD_SIGNATURE');
    }
  });

  it('another nonce is ATTESTATION_NONCE_MISMATCH', async () => {
    const other = nonce.slice();
    other[0]! ^= 0xff;
    const err = await rejection(verifyNvidiaGpuEvidence(evidence(), { ...policy, expectedNonce: other }));
    expect(err.code).toBe('ATTESTATION_NONCE_MISMATCH');
  });

  it('a chain to another root is ATTESTATION_UNTRUSTED_ROOT', async () => {
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), { ...policy, deviceRootSha256: ['00'.repeat(32)] }),
    );
    expect(err.code).toBe('ATTESTATION_UNTRUSTED_ROOT');
    const swapped = [
      ...decodePemCertificates(gpu.chain()).slice(0, -1),
      decodePemCertificates(gpu.testRimRoot)[0]!,
    ];
    const err2 = await rejection(verifyNvidiaGpuEvidence(evidence(gpu.report(), swapped), policy));
    expect(err2.code).toBe('ATTESTATION_UNTRUSTED_ROOT');
  });

  it('a chain missing its intermediates is refused', async () => {
    const certs = decodePemCertificates(gpu.chain());
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(gpu.report(), [certs[0]!, certs.at(-1)!]), policy),
    );
    expect(['ATTESTATION_CERT_CHAIN', 'ATTESTATION_BAD_SIGNATURE']).toContain(err.code);
  });

  it('refuses to skip the RIMs silently: without them and without noRims it is ATTESTATION_MISSING_COLLATERAL', async () => {
    const err = await rejection(verifyNvidiaGpuEvidence(evidence(), { expectedNonce: nonce }));
    expect(err.code).toBe('ATTESTATION_MISSING_COLLATERAL');
  });

  it('a version policy the GPU does not meet is ATTESTATION_POLICY', async () => {
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), { ...policy, acceptedDriverVersions: ['560.35.03'] }),
    );
    expect(err.code).toBe('ATTESTATION_POLICY');
  });

  it('truncated or padded reports are ATTESTATION_MALFORMED_EVIDENCE', async () => {
    for (const report of [
      gpu.report().subarray(0, 36),
      gpu.report().subarray(0, 2000),
      new Uint8Array([...gpu.report(), 0]),
    ]) {
      const err = await rejection(verifyNvidiaGpuEvidence(evidence(report), policy));
      expect(err.code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    }
  });
});

describe('NVIDIA Hopper GPU evidence: measurements against the RIMs', () => {
  it('NVIDIA’s sample RIMs verify (at 2024-06-01) but describe another driver than the sample report runs', async () => {
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim: gpu.driverRim(),
        vbiosRim: gpu.vbiosRim(),
        at: gpu.rimTime,
      }),
    );
    expect(err.code).toBe('ATTESTATION_GPU_RIM_VERSION_MISMATCH');
    expect(err.checks.find((c) => c.name === 'gpu.driverRim.signature')?.ok).toBe(true);
    expect(err.checks.at(-1)).toMatchObject({
      name: 'gpu.driverRim.version',
      expected: '550.90.07',
      found: '545.00',
    });
  });

  it('a RIM with one altered measurement fails its XML signature: ATTESTATION_GPU_RIM_SIGNATURE', async () => {
    const tampered = gpu.driverRim().replace('ns2:Hash0="0e0ee161', 'ns2:Hash0="1e0ee161');
    expect(tampered).not.toBe(gpu.driverRim());
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim: tampered,
        vbiosRim: gpu.vbiosRim(),
        at: gpu.rimTime,
      }),
    );
    expect(err.code).toBe('ATTESTATION_GPU_RIM_SIGNATURE');
  });

  it('RIMs whose signing certificate has expired are ATTESTATION_CERT_EXPIRED', async () => {
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim: gpu.driverRim(),
        vbiosRim: gpu.vbiosRim(),
        at: new Date('2026-01-01T00:00:00Z'),
      }),
    );
    expect(err.code).toBe('ATTESTATION_CERT_EXPIRED');
  });

  it('a RIM signed by a root that is not pinned is ATTESTATION_UNTRUSTED_ROOT (test-only CA, default pins)', async () => {
    const { driverRim, vbiosRim } = await matchingRims();
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), { expectedNonce: nonce, driverRim, vbiosRim }),
    );
    expect(err.code).toBe('ATTESTATION_UNTRUSTED_ROOT');
  });

  it('every active measurement matching the RIMs is accepted (RIMs re-signed by the test-only CA)', async () => {
    const { driverRim, vbiosRim } = await matchingRims();
    const report = await verifyNvidiaGpuEvidence(evidence(), {
      expectedNonce: nonce,
      driverRim,
      vbiosRim,
      rimRootSha256: [testRoot],
    });
    expect(report.measurementsCompared).toBe(true);
    expect(report.checks.at(-1)).toMatchObject({ name: 'gpu.measurements', ok: true });
  });

  it('a RIM whose measurements differ is ATTESTATION_MEASUREMENT_MISMATCH, naming the indices', async () => {
    const { driverRim } = await matchingRims();
    const spdm = parseSpdmMeasurements(gpu.report());
    // NVIDIA's production VBIOS RIM, edited to the report's version only: its own measurements stay.
    const prodWithVersion = await resignRim(gpu.vbiosRimProd(), (x) =>
      x.replace(/colloquialVersion="[^"]*"/, 'colloquialVersion="96.00.9F.00.01"'),
    );
    expect(spdm.blocks).toHaveLength(64);
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim,
        vbiosRim: prodWithVersion,
        rimRootSha256: [testRoot],
      }),
    );
    expect(err.code).toBe('ATTESTATION_MEASUREMENT_MISMATCH');
    expect(err.message).toMatch(/indices 1 \(vbios\), 2 \(vbios\)/);
  });

  it('an index claimed by both RIMs is refused', async () => {
    const { driverRim, vbiosRim } = await matchingRims();
    const both = await resignRim(vbiosRim, (x) => setMeasurement(x, 7, '00'.repeat(48)));
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim,
        vbiosRim: both,
        rimRootSha256: [testRoot],
      }),
    );
    expect(err.checks.at(-1)?.name).toBe('gpu.rims.indices');
  });

  it.each([
    ['a DOCTYPE', (x: string) => `<!DOCTYPE x [<!ENTITY a "b">]>${x}`],
    [
      'two signatures (signature wrapping)',
      (x: string) =>
        x.replace(
          '</SoftwareIdentity>',
          `${x.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)![0]}</SoftwareIdentity>`,
        ),
    ],
    ['not XML', () => 'not xml at all <'],
  ])('a RIM with %s is refused before its signature is checked', async (_name, edit) => {
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim: edit(gpu.driverRim()),
        vbiosRim: gpu.vbiosRim(),
        at: gpu.rimTime,
      }),
    );
    expect(err.code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
  });

  it('a RIM signature that signs less than the whole document is refused', async () => {
    const partial = gpu.driverRim().replace('<ds:Reference URI="">', '<ds:Reference URI="#other">');
    const err = await rejection(
      verifyNvidiaGpuEvidence(evidence(), {
        expectedNonce: nonce,
        driverRim: partial,
        vbiosRim: gpu.vbiosRim(),
        at: gpu.rimTime,
      }),
    );
    expect(err.code).toBe('ATTESTATION_GPU_RIM_SIGNATURE');
  });
});
