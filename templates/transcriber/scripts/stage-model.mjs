#!/usr/bin/env node
// Puts the speech model where blindbox.config.json's `assets` takes it from: model/pocketsphinx-en-us/,
// which the build packs, measured, into the image at /assets/model/pocketsphinx-en-us/. Every file is
// checked against model.lock.json, whichever way it came:
//   1. model/ already holds exactly those files: nothing to do;
//   2. this machine has Debian's pocketsphinx-en-us installed with the same files: they are copied;
//   3. otherwise `apt-get download pocketsphinx-en-us=<version>` (the .deb is checked against its
//      SHA-256 and size) and `dpkg-deb -x`.
// `npm run build` runs it before `blindbox build`; a verifier runs it before `blindbox reproduce`.
// The enclave never downloads anything: at start-up the model is already part of its measured image.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const pin = JSON.parse(readFileSync(join(project, 'model.lock.json'), 'utf8'));
const target = join(project, pin.to);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The files of `pin.files` under `dir` that are missing or differ. */
function mismatches(dir) {
  return Object.entries(pin.files)
    .filter(([rel, hash]) => !existsSync(join(dir, rel)) || sha256(readFileSync(join(dir, rel))) !== hash)
    .map(([rel]) => rel);
}

function copyFrom(dir) {
  rmSync(target, { recursive: true, force: true });
  for (const rel of Object.keys(pin.files)) {
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    copyFileSync(join(dir, rel), join(target, rel));
  }
  const wrong = mismatches(target);
  if (wrong.length > 0)
    throw new Error(`copied model files differ from model.lock.json: ${wrong.join(', ')}`);
}

function fromDeb() {
  const work = mkdtempSync(join(tmpdir(), 'blindbox-model-'));
  try {
    execFileSync('apt-get', ['download', `${pin.package}=${pin.version}`], { cwd: work, stdio: 'inherit' });
    const name = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!name) throw new Error('apt-get download wrote no .deb');
    const deb = readFileSync(join(work, name));
    if (deb.length !== pin.size || sha256(deb) !== pin.sha256)
      throw new Error(`${name} is not the pinned package (SHA-256 ${pin.sha256}, ${pin.size} bytes)`);
    execFileSync('dpkg-deb', ['-x', join(work, name), join(work, 'x')]);
    copyFrom(join(work, 'x', pin.from));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const count = Object.keys(pin.files).length;
if (mismatches(target).length === 0) {
  console.log(`model: ${pin.to} holds the ${count} pinned files of ${pin.package} ${pin.version}`);
} else if (mismatches(`/${pin.from}`).length === 0) {
  copyFrom(`/${pin.from}`);
  console.log(`model: copied ${count} files of ${pin.package} ${pin.version} from /${pin.from}`);
} else {
  fromDeb();
  console.log(`model: took ${count} files from ${pin.package}_${pin.version}.deb (SHA-256 checked)`);
}
