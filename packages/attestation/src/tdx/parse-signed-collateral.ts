import { hexDecode, utf8Encode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';

/** Collateral JSON larger than this is refused before parsing (Intel's TCB info is a few KiB). */
const MAX_COLLATERAL_CHARS = 1024 * 1024;

/** The part of a PCS response Intel signed, and the signature. */
export interface SignedJson {
  /** The exact bytes of the signed member's value, as served: what the signature covers. */
  signed: Uint8Array;
  /** The signed member's value, parsed. */
  value: unknown;
  /** ECDSA P-256 signature r ‖ s (64 bytes). */
  signature: Uint8Array;
}

export function malformedCollateral(what: string, why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${what}: ${why}`);
}

/**
 * Splits a PCS response `{"<member>":{…},"signature":"<128 hex>"}` into the signed text and the
 * signature. Intel signs the member's value byte for byte as it appears in the body (Intel PCS API
 * v4, "Get TDX TCB Info" / "Get TDX QE Identity"), so the text is cut, never re-serialised; the
 * shape must be exactly this one (surrounding whitespace aside), so there is one reading of it.
 */
export function splitSignedJson(text: string, member: string, what: string): SignedJson {
  if (text.length > MAX_COLLATERAL_CHARS) throw malformedCollateral(what, 'larger than 1 MiB');
  const body = text.trim();
  const prefix = `{"${member}":`;
  const suffix = /,"signature":"([0-9a-f]{128})"\}$/.exec(body);
  if (!body.startsWith(prefix) || !suffix) {
    throw malformedCollateral(what, `expected {"${member}":{…},"signature":"<128 lowercase hex digits>"}`);
  }
  const raw = body.slice(prefix.length, body.length - suffix[0].length);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw malformedCollateral(what, `"${member}" is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedCollateral(what, `"${member}" is not an object`);
  }
  return { signed: utf8Encode(raw), value, signature: hexDecode(suffix[1]!) };
}

/** Typed field readers over untrusted JSON; each throws `ATTESTATION_MALFORMED_EVIDENCE`. */
export class JsonFields {
  constructor(
    readonly obj: Record<string, unknown>,
    readonly what: string,
  ) {}

  static of(value: unknown, what: string): JsonFields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw malformedCollateral(what, 'not an object');
    }
    return new JsonFields(value as Record<string, unknown>, what);
  }

  string(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') throw malformedCollateral(this.what, `${key} is not a string`);
    return v;
  }

  int(key: string, max = 0xffff_ffff): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw malformedCollateral(this.what, `${key} is not an integer in 0..${max}`);
    }
    return v;
  }

  hex(key: string, bytes: number): Uint8Array {
    const v = this.string(key);
    if (v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v)) {
      throw malformedCollateral(this.what, `${key} is not ${bytes} bytes of hex`);
    }
    return hexDecode(v);
  }

  date(key: string): Date {
    const v = this.string(key);
    // ISO 8601 UTC as Intel writes it (2023-06-18T08:42:58Z); Date.parse alone accepts far more.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw malformedCollateral(this.what, `${key} is not an ISO 8601 UTC time`);
    }
    return new Date(v);
  }

  array(key: string, max = 1024): unknown[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.length > max) throw malformedCollateral(this.what, `${key} is not a list`);
    return v;
  }

  optionalArray(key: string): unknown[] | undefined {
    return this.obj[key] === undefined ? undefined : this.array(key);
  }

  child(key: string): JsonFields {
    return JsonFields.of(this.obj[key], `${this.what}.${key}`);
  }
}
