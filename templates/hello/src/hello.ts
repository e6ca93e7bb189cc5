import { EndpointError, enclave, endpoint } from '@blindbox/sdk';

/** Greets people and digests uploads, inside a TEE: the operator of the server sees neither. */
@enclave({ name: 'hello' })
export class Hello {
  @endpoint()
  async greet(req: { name: string; language?: 'en' | 'fr' }): Promise<{ message: string }> {
    if (req.name.trim() === '')
      throw new EndpointError('EMPTY_NAME', 'name must not be empty', { path: '/name' });
    const greeting = req.language === 'fr' ? 'Bonjour' : 'Hello';
    return { message: `${greeting}, ${req.name}!` };
  }

  @endpoint()
  async digest(req: { data: Uint8Array }): Promise<{ size: number; sha256: string }> {
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', req.data as Uint8Array<ArrayBuffer>));
    return {
      size: req.data.length,
      sha256: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''),
    };
  }
}
