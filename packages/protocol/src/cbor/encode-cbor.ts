/*
 * RFC 8949 §4.2.1 core deterministic encoding, hand-written: cbor2 took about a millisecond to
 * encode a four-key request map (the largest cost of a small sealed call). Preferred serialization
 * (shortest heads), shortest float that keeps the value, definite lengths, map keys sorted by the
 * bytes of their encodings.
 */

const MAX_DEPTH = 128;
const utf8 = new TextEncoder();

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  head(major: number, n: number): void {
    const m = major << 5;
    if (n < 24) this.byte(m | n);
    else if (n < 0x100) {
      this.reserve(2);
      this.buf[this.length++] = m | 24;
      this.buf[this.length++] = n;
    } else if (n < 0x10000) {
      this.reserve(3);
      this.buf[this.length++] = m | 25;
      this.view.setUint16(this.length, n);
      this.length += 2;
    } else if (n < 0x1_0000_0000) {
      this.reserve(5);
      this.buf[this.length++] = m | 26;
      this.view.setUint32(this.length, n);
      this.length += 4;
    } else {
      this.reserve(9);
      this.buf[this.length++] = m | 27;
      this.view.setUint32(this.length, Math.floor(n / 0x1_0000_0000));
      this.view.setUint32(this.length + 4, n >>> 0);
      this.length += 8;
    }
  }
}

const f32 = new DataView(new ArrayBuffer(4));
const NAN = new Uint8Array([0xf9, 0x7e, 0x00]);

/** The float16 bits of `v` when float16 holds it exactly (v finite, non-NaN), else undefined. */
function halfBits(v: number): number | undefined {
  if (Math.fround(v) !== v) return undefined;
  f32.setFloat32(0, v);
  const bits = f32.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0) return mant === 0 ? sign : undefined;
  const e = exp - 127;
  if (e > 15) return undefined;
  if (e >= -14) return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : undefined;
  if (e < -24) return undefined;
  const full = mant | 0x800000;
  const shift = -(e + 1);
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : undefined;
}

function writeNumber(w: Writer, v: number): void {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) w.head(0, v);
    else w.head(1, -1 - v);
    return;
  }
  if (Number.isNaN(v)) {
    w.bytes(NAN);
    return;
  }
  const half =
    halfBits(v) ??
    (v === Number.POSITIVE_INFINITY ? 0x7c00 : v === Number.NEGATIVE_INFINITY ? 0xfc00 : undefined);
  if (half !== undefined) {
    w.reserve(3);
    w.buf[w.length++] = 0xf9;
    w.view.setUint16(w.length, half);
    w.length += 2;
  } else if (Math.fround(v) === v) {
    w.reserve(5);
    w.buf[w.length++] = 0xfa;
    w.view.setFloat32(w.length, v);
    w.length += 4;
  } else {
    w.reserve(9);
    w.buf[w.length++] = 0xfb;
    w.view.setFloat64(w.length, v);
    w.length += 8;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const keyWriter = new Writer();

function encodedKey(key: string): Uint8Array {
  keyWriter.length = 0;
  const bytes = utf8.encode(key);
  keyWriter.head(3, bytes.length);
  keyWriter.bytes(bytes);
  return keyWriter.buf.slice(0, keyWriter.length);
}

function writeObject(w: Writer, value: object, depth: number): void {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`cannot encode an instance of ${proto?.constructor?.name ?? 'an unknown class'}`);
  }
  // JSON's semantics: an undefined property is absent.
  const entries: Array<[Uint8Array, unknown]> = [];
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) entries.push([encodedKey(key), item]);
  }
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  w.head(5, entries.length);
  for (const [key, item] of entries) {
    w.bytes(key);
    write(w, item, depth + 1);
  }
}

function write(w: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      writeNumber(w, value);
      return;
    case 'string': {
      const bytes = utf8.encode(value);
      w.head(3, bytes.length);
      w.bytes(bytes);
      return;
    }
    case 'boolean':
      w.byte(value ? 0xf5 : 0xf4);
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot encode a ${typeof value}`);
  }
  if (value === null) {
    w.byte(0xf6);
    return;
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    // A Buffer (or other subclass) still encodes as a plain byte string.
    const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
    w.head(2, bytes.length);
    w.bytes(bytes);
    return;
  }
  if (depth >= MAX_DEPTH) throw new TypeError('cannot encode: nested too deeply (or a cycle)');
  if (Array.isArray(value)) {
    w.head(4, value.length);
    // JSON's semantics for undefined in arrays, so that encoders agree on the array length.
    for (const item of value) write(w, item === undefined ? null : item, depth + 1);
    return;
  }
  writeObject(w, value, depth);
}

/** Deterministic CBOR of a value of the protocol's data model; TypeError for anything else. */
export function encodeDeterministic(value: unknown): Uint8Array {
  if (value === undefined) throw new TypeError('cannot encode undefined');
  const w = new Writer();
  write(w, value, 0);
  return w.buf.slice(0, w.length);
}
