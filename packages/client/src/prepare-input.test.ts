import type { AppManifest } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { endpointsFromManifest } from './prepare-input.js';

const closed = (properties: Record<string, unknown>) =>
  ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false }) as never;

const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'm', version: '1.0.0' },
  enclave: { className: 'M', module: 'm.ts' },
  definitions: { Audio: closed({ data: { 'x-blindbox-type': 'stream' } }) },
  endpoints: [
    { name: 'plain', input: closed({}), output: closed({ n: { type: 'number' } }), source: 'm:1:1' },
    {
      name: 'field',
      input: closed({}),
      output: closed({ data: { 'x-blindbox-type': 'stream' } }),
      source: 'm:2:1',
    },
    { name: 'whole', input: closed({}), output: { 'x-blindbox-type': 'stream' } as never, source: 'm:3:1' },
    { name: 'named', input: closed({}), output: { $ref: '#/definitions/Audio' } as never, source: 'm:4:1' },
    {
      name: 'bytes',
      input: closed({}),
      output: closed({ data: { 'x-blindbox-type': 'bytes' } }),
      source: 'm:5:1',
    },
  ],
};

describe('endpoint facts from the manifest', () => {
  it('marks endpoints whose output streams (so that their first call opens a session, not a one-shot)', () => {
    const info = endpointsFromManifest(manifest);
    expect(info.plain?.streamsOutput).toBeUndefined();
    expect(info.bytes?.streamsOutput).toBeUndefined();
    expect(info.field?.streamsOutput).toBe(true);
    expect(info.whole?.streamsOutput).toBe(true);
    expect(info.named?.streamsOutput).toBe(true);
  });
});
