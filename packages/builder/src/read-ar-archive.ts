import { BuildError } from './build-error.js';

/** A member of a Unix `ar` archive (the container format of a Debian .deb). */
export interface ArMember {
  name: string;
  bytes: Buffer;
}

const MAGIC = '!<arch>\n';
const HEADER = 60;

/**
 * Reads the members of a common-format `ar` archive (what dpkg-deb writes: `debian-binary`,
 * `control.tar.*`, `data.tar.*`). Every size is checked against the archive's length before it is
 * sliced, so a corrupt header cannot make us read past the end.
 */
export function readArArchive(archive: Buffer, what: string): ArMember[] {
  const bad = (why: string) =>
    new BuildError('IMAGE_WRITE_FAILED', `${what} is not a valid ar archive: ${why}`);
  if (archive.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw bad('no !<arch> magic');
  const members: ArMember[] = [];
  let at = MAGIC.length;
  while (at < archive.length) {
    if (at + HEADER > archive.length) throw bad('truncated header');
    const header = archive.subarray(at, at + HEADER).toString('latin1');
    if (header.slice(58, 60) !== '`\n') throw bad(`bad header terminator at byte ${at}`);
    const sizeField = header.slice(48, 58).trim();
    if (!/^\d+$/.test(sizeField)) throw bad(`bad member size ${JSON.stringify(sizeField)}`);
    const size = Number(sizeField);
    const start = at + HEADER;
    if (start + size > archive.length) throw bad('member runs past the end');
    // GNU ar ends short names with '/'; dpkg-deb pads with spaces.
    const name = header.slice(0, 16).trim().replace(/\/$/, '');
    members.push({ name, bytes: archive.subarray(start, start + size) });
    at = start + size + (size % 2);
  }
  return members;
}
