import { describe, expect, it } from 'vitest';
import { checkEntrypoint } from './check-entrypoint.js';
import type { LoadedImage } from './read-oci-image.js';

const bytes = new Uint8Array([1]);
function image(entrypoint: string[]): LoadedImage {
  return {
    manifestDigest: `sha256:${'0'.repeat(64)}`,
    files: [
      { path: 'usr/local/bin/node', bytes, mode: 0o755 },
      { path: 'app/main.mjs', bytes, mode: 0o644 },
      { path: 'app/preload.mjs', bytes, mode: 0o644 },
    ],
    entrypoint,
    workingDir: '/app',
    env: [],
  };
}

describe('checkEntrypoint', () => {
  it.each([
    [['/usr/local/bin/node', '/app/main.mjs']],
    [['/usr/local/bin/node', 'main.mjs']],
    [['/usr/local/bin/node', '--import=/app/preload.mjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '--import', 'preload.mjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '--import=data:text/javascript,1', '/app/main.mjs']],
    [['/usr/local/bin/node', '--max-old-space-size=512', '/app/main.mjs']],
  ])('accepts an entrypoint that stays in the rootfs: %j', (entrypoint) => {
    expect(checkEntrypoint(image(entrypoint)).program).toBe('/usr/local/bin/node');
  });

  // Each would run a host file the measurement never covered; a client pinning the measurement
  // would keep accepting it after the host file changed.
  it.each([
    [['node', '../../some/host/dir/main.mjs']],
    [['/usr/local/bin/node', '../../some/host/dir/main.mjs']],
    [['/usr/local/bin/node', '/app/../../../home/user/main.mjs']],
    [['/usr/local/bin/node', '/home/user/main.mjs']],
    [['/usr/local/bin/node', '--import=/home/user/evil.mjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '--import', '/home/user/evil.mjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '-r', '../../evil.cjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '--import=file:///home/user/evil.mjs', '/app/main.mjs']],
    [['/usr/local/bin/node', '--env-file=/home/user/.env', '/app/main.mjs']],
    [['/usr/local/bin/node', 'file:///home/user/main.mjs']],
    [['/usr/bin/node', '/app/main.mjs']],
    [['/app/main.mjs']],
    [['/usr/local/bin/../../../usr/bin/node', '/app/main.mjs']],
    [[]],
  ])('refuses an entrypoint reaching outside the rootfs: %j', (entrypoint) => {
    expect(() => checkEntrypoint(image(entrypoint))).toThrow(
      expect.objectContaining({ code: 'RUNTIME_IMAGE_INVALID' }),
    );
  });

  it('accepts the program "node" only for the host-node mode, and still checks its arguments', () => {
    expect(() => checkEntrypoint(image(['node', '/app/main.mjs']))).toThrow(/not an executable file/);
    expect(checkEntrypoint(image(['node', '/app/main.mjs']), true).program).toBe('node');
    expect(() => checkEntrypoint(image(['node', '../../host/main.mjs']), true)).toThrow(/leaves the rootfs/);
  });
});
