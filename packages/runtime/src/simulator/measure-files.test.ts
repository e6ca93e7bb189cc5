import { randomBytes } from 'node:crypto';
import { simulatedMeasurement } from '@blindbox/attestation/internal';
import { describe, expect, it } from 'vitest';
import { measureFiles } from './measure-files.js';

describe('measureFiles', () => {
  it("gives the same bytes as @blindbox/attestation's simulatedMeasurement", () => {
    for (let n = 0; n < 20; n++) {
      const files = Array.from({ length: n % 7 }, (_, i) => ({
        path: `${['app', 'usr/lib', 'é', 'a-b'][i % 4]}/${randomBytes(3).toString('hex')}`,
        bytes: randomBytes((n * 997 + i * 31) % 5000),
      }));
      const entrypoint = ['/usr/local/bin/node', `/app/${n}.mjs`];
      expect(Buffer.from(measureFiles(files, entrypoint)).toString('hex')).toBe(
        Buffer.from(simulatedMeasurement(files, entrypoint)).toString('hex'),
      );
    }
  });

  it('refuses duplicate paths, as the reference does', () => {
    const f = { path: 'app/x', bytes: new Uint8Array(1) };
    expect(() => measureFiles([f, f], ['x'])).toThrow(/duplicate path/);
  });
});
