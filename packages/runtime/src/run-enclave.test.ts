import type { AppManifest } from '@blindbox/protocol';
import { enclave } from '@blindbox/sdk';
import { describe, expect, it } from 'vitest';
import { runEnclave } from './run-enclave.js';

@enclave({ name: 'empty' })
class Empty {}

const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'empty', version: '0.0.0' },
  enclave: { className: 'Empty', module: 'src/empty.ts' },
  endpoints: [],
};

describe('runEnclave refuses to start without a real attestation source', () => {
  it.each([
    [{ BLINDBOX_TEE: 'sev-snp', BLINDBOX_CONFIGFS_TSM: '/nonexistent/tsm/report' }, /not an SEV-SNP guest/],
    [{ BLINDBOX_TEE: 'nitro' }, /NSM bridge/],
    [{ BLINDBOX_TEE: 'tdx', BLINDBOX_CONFIGFS_TSM: '/nonexistent/tsm/report' }, /not a TDX guest/],
    [{ BLINDBOX_TEE: 'sgx' }, /no attestation provider/],
  ])('%j', async (env, message) => {
    await expect(runEnclave({ manifest, enclaveClass: Empty, env })).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a class without @enclave', async () => {
    await expect(
      runEnclave({ manifest, enclaveClass: class NotAnEnclave {}, env: {} }),
    ).rejects.toMatchObject({
      code: 'RUNTIME_NOT_AN_ENCLAVE',
    });
  });
});

describe('runEnclave refuses a body limit that is not a number of bytes', () => {
  // Number('32MB') is NaN, and every comparison with NaN is false: the limit would silently vanish.
  it.each([['32MB'], ['-1'], ['0'], ['1.5']])('%s', async (value) => {
    const provider = {
      platform: 'simulated' as const,
      getEvidence: async () => ({ evidence: new Uint8Array(1) }),
    };
    await expect(
      runEnclave({
        manifest,
        enclaveClass: Empty,
        provider,
        env: { BLINDBOX_MAX_BODY_BYTES: value, BLINDBOX_PORT: '0', BLINDBOX_HOST: '127.0.0.1' },
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_BAD_CONFIG' });
  });
});
