import type { Platform } from '@blindbox/attestation';
import { decodeCoseSign1, parseNitroDocument } from '@blindbox/attestation/internal';
import { decode, encode } from 'cbor2';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, ProvidedEvidence } from './attestation-provider.js';

/**
 * What /dev/nsm offers: one ioctl (NSM_IOCTL_REQUEST) that takes a CBOR request and returns a CBOR
 * response (aws-nitro-enclaves-nsm-api, `nsm_process_request`).
 *
 * Node.js cannot issue that ioctl without a native addon, and this package ships none. Implement this
 * interface with what the enclave image provides: an approved N-API addon over the NSM library, or a
 * small static helper (e.g. built on aws-nitro-enclaves-nsm-api) that reads a request on stdin and
 * writes the response on stdout.
 */
export interface NsmDevice {
  /** Sends one CBOR-encoded NSM request and returns the CBOR-encoded response. */
  request(request: Uint8Array): Promise<Uint8Array>;
}

/** Options of {@link NitroNsmProvider}. */
export interface NitroNsmOptions {
  /** The ioctl bridge. Required: see {@link NsmDevice}. */
  device: NsmDevice;
  /** The enclave's HPKE public key, put in `public_key` of every document (docs/protocol.md §3.3). Default: none. */
  publicKey?: Uint8Array;
}

/** What docs/protocol.md §3.3 binds into a Nitro document besides `user_data`. */
export interface NitroBindingFields {
  /** The client's nonce, for the `nonce` field. */
  nonce?: Uint8Array;
  /** The HPKE public key, for `public_key` (overrides the constructor's). */
  publicKey?: Uint8Array;
}

/**
 * Nitro Enclaves evidence through /dev/nsm: an `Attestation` request with `user_data` = the binding,
 * `nonce` = the client nonce and `public_key` = the HPKE key, answered by a COSE_Sign1 document.
 */
export class NitroNsmProvider implements AttestationProvider {
  readonly platform: Platform = 'nitro';
  readonly #device: NsmDevice;
  readonly #publicKey: Uint8Array | undefined;

  constructor(options: NitroNsmOptions) {
    this.#device = options.device;
    this.#publicKey = options.publicKey;
  }

  async getEvidence(reportData: Uint8Array, binding: NitroBindingFields = {}): Promise<ProvidedEvidence> {
    const publicKey = binding.publicKey ?? this.#publicKey;
    // NSM API Request::Attestation { user_data, nonce, public_key }, each optional (≤ 512/512/1024 bytes).
    const request = encode(
      new Map([
        [
          'Attestation',
          new Map<string, Uint8Array | null>([
            ['user_data', reportData],
            ['nonce', binding.nonce ?? null],
            ['public_key', publicKey ?? null],
          ]),
        ],
      ]),
    );
    let response: unknown;
    try {
      response = decode(await this.#device.request(request));
    } catch (cause) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `NSM request failed: ${(cause as Error).message}`,
        { cause },
      );
    }
    const get = (v: unknown, k: string): unknown =>
      v instanceof Map
        ? v.get(k)
        : typeof v === 'object' && v !== null
          ? (v as Record<string, unknown>)[k]
          : undefined;
    const error = get(response, 'Error');
    if (error !== undefined)
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', `NSM refused: ${String(error)}`);
    const document = get(get(response, 'Attestation'), 'document');
    if (!(document instanceof Uint8Array)) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'NSM response holds no attestation document');
    }
    // Catch a device that answers another request's document before a client does.
    let doc: ReturnType<typeof parseNitroDocument>;
    try {
      doc = parseNitroDocument(decodeCoseSign1(document).payload);
    } catch (cause) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'NSM returned a malformed document', {
        cause,
      });
    }
    const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
      (a === undefined && b === undefined) ||
      (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));
    if (
      !same(doc.userData, reportData) ||
      !same(doc.nonce, binding.nonce) ||
      !same(doc.publicKey, publicKey)
    ) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        'the NSM document does not carry the requested user data, nonce and public key',
      );
    }
    return { evidence: document };
  }
}
