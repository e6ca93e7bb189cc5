/** A string that is not the encoding it claims to be. A `TypeError`, so callers that caught those still do. */
export class EncodingError extends TypeError {
  override readonly name = 'EncodingError';
  readonly code = 'ENCODING_INVALID' as const;
}
