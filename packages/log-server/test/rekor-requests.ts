import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

const testKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemB64 = (k: KeyObject) =>
  Buffer.from(k.export({ type: 'spki', format: 'pem' }) as string).toString('base64');

/** A valid `hashedrekord` 0.0.1 proposed entry over random content (signed by a test key). */
export function hashedRekord(key: { privateKey: KeyObject; publicKey: KeyObject } = testKey) {
  const data = randomBytes(32);
  const digest = createHash('sha256').update(data).digest('hex');
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digest } },
      signature: {
        content: sign('sha256', data, key.privateKey).toString('base64'),
        publicKey: { content: pemB64(key.publicKey) },
      },
    },
  };
}

/** A valid `dsse` 0.0.1 proposed entry: a random in-toto-typed payload in a signed DSSE envelope. */
export function dsseEntry(key: { privateKey: KeyObject; publicKey: KeyObject } = testKey) {
  const payloadType = 'application/vnd.in-toto+json';
  const payload = Buffer.from(JSON.stringify({ nonce: randomBytes(16).toString('hex') }));
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
    payload,
  ]);
  const envelope = {
    payload: payload.toString('base64'),
    payloadType,
    signatures: [{ sig: sign('sha256', pae, key.privateKey).toString('base64'), keyid: '' }],
  };
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [pemB64(key.publicKey)] } },
  };
}

export async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; location: string | null }> {
  const res = await fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    location: res.headers.get('location'),
  };
}
