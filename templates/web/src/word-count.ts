import { EndpointError, enclave, endpoint } from '@blindbox/sdk';

/** Counts what a visitor typed, inside a TEE: the page's server never sees the text. */
@enclave({ name: 'word-count' })
export class WordCount {
  @endpoint()
  async count(req: { text: string }): Promise<{ words: number; characters: number }> {
    if (req.text.length > 100_000)
      throw new EndpointError('TEXT_TOO_LONG', 'at most 100000 characters', { path: '/text' });
    const words = req.text.split(/\s+/u).filter((w) => w !== '').length;
    return { words, characters: [...req.text].length };
  }
}
