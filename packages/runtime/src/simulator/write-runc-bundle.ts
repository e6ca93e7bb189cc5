import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckedEntrypoint } from './check-entrypoint.js';
import type { LoadedImage } from './read-oci-image.js';

/** The fd (in the started process) of the simulator's attestation channel: Node's IPC fd. */
export const IPC_FD = 3;

/**
 * Writes the image's files into `<bundle>/rootfs` with their modes: exactly the files the simulator
 * measured, nothing else. The bundle folder is private (mkdtemp, 0700).
 */
export function unpackRootfs(bundle: string, image: LoadedImage): string {
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(rootfs, { mode: 0o755 });
  for (const file of image.files) {
    const target = join(rootfs, file.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, file.bytes, { mode: file.mode });
  }
  return rootfs;
}

/**
 * The OCI runtime config (`config.json`) for `runc run`: the image's own program in a read-only
 * rootfs, as the image's non-root user, in its own pid/ipc/uts/mount namespaces but in the host's
 * network namespace (the enclave listens on a host port, as a TEE's VM does behind its host).
 *
 * The attestation channel crosses the container boundary as an inherited file descriptor: the
 * simulator spawns runc with Node's IPC channel at fd 3, `runc run --preserve-fds 1` hands it to
 * the container's process, and `NODE_CHANNEL_FD=3` makes the image's Node adopt it as its
 * `process.send` channel. Nothing from the host file system is mounted.
 */
export function writeRuncConfig(
  bundle: string,
  image: LoadedImage,
  entrypoint: CheckedEntrypoint,
  env: Record<string, string>,
  /** Read-only files to bind into the container (the signed release): never code. */
  binds: { source: string; destination: string }[] = [],
): void {
  const hostUid = process.getuid?.() ?? 0;
  const hostGid = process.getgid?.() ?? 0;
  const rootless = hostUid !== 0;
  // Rootless, one host uid can be mapped, and runc needs the container's root mapped: the process
  // runs as that root, which is the unprivileged invoking user on the host, with no capabilities.
  const user = rootless ? { uid: 0, gid: 0 } : (image.user ?? { uid: 65534, gid: 65534 });
  const config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid },
      args: [entrypoint.program, ...entrypoint.args],
      env: [
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        `NODE_CHANNEL_FD=${IPC_FD}`,
        'NODE_CHANNEL_SERIALIZATION_MODE=json',
      ],
      cwd: image.workingDir,
      capabilities: { bounding: [], effective: [], permitted: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'blindbox',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/tmp',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'],
      },
      ...binds.map((b) => ({
        destination: b.destination,
        type: 'bind',
        source: b.source,
        options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'],
      })),
    ],
    linux: {
      ...(rootless
        ? {
            uidMappings: [{ containerID: 0, hostID: hostUid, size: 1 }],
            gidMappings: [{ containerID: 0, hostID: hostGid, size: 1 }],
          }
        : { resources: { devices: [{ allow: false, access: 'rwm' }] } }),
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        ...(rootless ? [{ type: 'user' }] : []),
      ],
      maskedPaths: [
        '/proc/acpi',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
}
