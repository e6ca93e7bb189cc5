#!/usr/bin/env node
// Maintainer tool: pins the speech engine's Debian packages in blindbox.lock, so that `blindbox build`
// puts the decoder, every shared library it loads and the shell of its pipe into the image's libs
// layer, each file checked against the SHA-256 of its .deb (docs/guides/reproducible-images.md).
//
// Run it on Debian 12 with the engine installed (`apt-get install pocketsphinx`), after a change of
// engine or a Debian point release: it follows the programs' shared libraries (ldd), finds the
// package of each (dpkg -S), downloads that package's exact version (apt-get download), checks it
// against the archive's SHA-256 (apt-cache show) and records the files taken from it. The entries
// the builder pinned for Node (libc6, libstdc++6, libgcc-s1) stay as they are. Commit the lock.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOCK = join(project, 'blindbox.lock');

/** The programs the engine runs, and where the image holds them. */
const PROGRAMS = [
  { host: '/usr/bin/pocketsphinx_continuous', to: 'usr/bin/pocketsphinx_continuous' },
  // The pipe: `/bin/sh -c 'cat | exec pocketsphinx_continuous …'` (see src/pocketsphinx-engine.ts).
  { host: '/bin/dash', to: 'bin/sh' },
  { host: '/bin/cat', to: 'bin/cat' },
];

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The package that owns a host path, and the path as the package lists it (usr-merge aware). */
function owner(path) {
  for (const candidate of [path, path.replace(/^\/usr\//, '/'), path.replace(/^\/(lib|bin)\//, '/usr/$1/')]) {
    try {
      const line = run('dpkg', ['-S', candidate]).trim().split('\n')[0] ?? '';
      const pkg = line.slice(0, line.indexOf(':'));
      return { pkg: pkg.replace(/:amd64$/, ''), listed: candidate.slice(1) };
    } catch {}
  }
  throw new Error(`no Debian package owns ${path}`);
}

/** The shared libraries a program loads (ldd), as `{ soname, hostPath }`. */
function sharedLibraries(program) {
  const out = [];
  for (const line of run('ldd', [program]).split('\n')) {
    const m = /^\s*(\S+) => (\/\S+) \(0x/.exec(line);
    if (m) out.push({ soname: m[1], hostPath: m[2] });
  }
  return out;
}

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const BASE = new Set(['libc6', 'libstdc++6', 'libgcc-s1']);
const base = lock.debian.filter((d) => BASE.has(d.package));
const provided = new Set(base.flatMap((d) => Object.keys(d.files).map((to) => basename(to))));

/** package → picks ({ from, to }) */
const picks = new Map();
const add = (pkg, from, to) => {
  const list = picks.get(pkg) ?? [];
  if (!list.some((p) => p.to === to)) list.push({ from, to });
  picks.set(pkg, list);
};
for (const program of PROGRAMS) {
  const { pkg, listed } = owner(program.host);
  add(pkg, listed, program.to);
  for (const lib of sharedLibraries(program.host)) {
    if (provided.has(lib.soname)) continue;
    const real = realpathSync(lib.hostPath);
    const { pkg: libPkg, listed: from } = owner(real);
    // Where the loader looks without an ld.so.cache: /usr/lib/x86_64-linux-gnu (and a RUNPATH's folder).
    const dir = dirname(lib.hostPath)
      .replace(/^\/lib\//, '/usr/lib/')
      .slice(1);
    add(libPkg, from, `${dir}/${lib.soname}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'blindbox-pin-'));
const pinned = [];
try {
  for (const [pkg, list] of [...picks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // The archive's current version (a point release may have replaced the installed one).
    const version = /^\s*Candidate: (\S+)$/m.exec(run('apt-cache', ['policy', pkg]))?.[1];
    if (!version || version === '(none)') throw new Error(`the archive has no ${pkg}`);
    const show = run('apt-cache', ['show', `${pkg}=${version}`]);
    const field = (name) => new RegExp(`^${name}: (.+)$`, 'm').exec(show)?.[1]?.trim();
    const filename = field('Filename');
    const size = Number(field('Size'));
    const debSha = field('SHA256');
    if (!filename || !debSha) throw new Error(`apt-cache show ${pkg}=${version}: no Filename/SHA256`);
    const dir = join(work, pkg);
    mkdirSync(dir, { recursive: true });
    execFileSync('apt-get', ['download', `${pkg}=${version}`], { cwd: dir, stdio: 'ignore' });
    const debName = readdirSync(dir).find((f) => f.endsWith('.deb'));
    const deb = readFileSync(join(dir, debName));
    if (deb.length !== size || sha256(deb) !== debSha)
      throw new Error(`${debName} does not match the archive's SHA-256`);
    const root = join(dir, 'x');
    execFileSync('dpkg-deb', ['-x', join(dir, debName), root]);
    const copyright = `usr/share/doc/${pkg}/copyright`;
    try {
      if (statSync(join(root, copyright)).isFile() && !list.some((p) => p.from === copyright))
        list.push({ from: copyright, to: copyright });
    } catch {}
    const files = {};
    for (const { from, to } of list) {
      const abs = join(root, from);
      const st = statSync(abs);
      if (!st.isFile()) throw new Error(`${pkg}: ${from} is not a regular file`);
      files[to] = { from, mode: st.mode & 0o111 ? 0o755 : 0o644, sha256: sha256(readFileSync(abs)) };
    }
    pinned.push({ architecture: 'amd64', filename, files, package: pkg, sha256: debSha, size, version });
    console.log(`${pkg} ${version}: ${Object.keys(files).length} files`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
lock.debian = [...base, ...pinned];
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`blindbox.lock: ${lock.debian.length} Debian packages`);
