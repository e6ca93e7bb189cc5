import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { endpoint } from '@blindbox/sdk';
import { describe, expect, it } from 'vitest';
import { type DispatchOptions, dispatchCall } from './dispatch-call.js';
import { issue } from './validation-issue.js';

const text: TypeSchema = { type: 'string', maxLength: 8 };
const reply: TypeSchema = {
  type: 'object',
  properties: { label: { type: 'string', maxLength: 8 } },
  required: ['label'],
  additionalProperties: false,
};

class Labeller {
  runs = 0;
  @endpoint()
  async label(name: string) {
    this.runs++;
    // A bug the declared type catches: the label grows past 8 characters.
    return { label: `patient ${name}` };
  }
}

const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'labels', version: '1.0.0' },
  enclave: { className: 'Labeller', module: 'src/app.ts' },
  endpoints: [{ name: 'label', input: text, output: reply, source: 'src/app.ts:1:1' }],
};

const call = (instance: Labeller, input: unknown, options?: DispatchOptions) =>
  dispatchCall(manifest, instance, { endpoint: 'label', input, requestId: 'r', sentAt: 0 }, options);

describe('dispatchCall: INVALID_INPUT and invalid outputs', () => {
  it('answers INVALID_INPUT with path, expected and found, and never runs the handler', async () => {
    const labeller = new Labeller();
    expect(await call(labeller, 'a much longer name')).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: 'expected at most 8 characters, found 18 characters',
        path: '',
        expected: 'at most 8 characters',
        found: '18 characters',
      },
    });
    expect(labeller.runs).toBe(0);
  });

  it('hides why an output was refused, unless revealOutputIssues (blindbox dev) asks', async () => {
    expect(await call(new Labeller(), 'Ada')).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'the handler returned an invalid result' },
    });
    expect(await call(new Labeller(), 'Ada', { revealOutputIssues: true })).toEqual({
      ok: false,
      error: {
        code: 'INTERNAL',
        message:
          'the handler returned an invalid result: expected at most 8 characters, found 11 characters at "/label"',
        path: '/label',
        expected: 'at most 8 characters',
        found: '11 characters',
      },
    });
  });

  it('uses the compiled validators it is given, by endpoint name', async () => {
    const labeller = new Labeller();
    const validators = {
      label: { input: () => issue('', 'a compiled verdict', 'this one'), output: () => undefined },
    };
    expect(await call(labeller, 'Ada', { validators })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', expected: 'a compiled verdict', found: 'this one' },
    });
    expect(labeller.runs).toBe(0);
  });
});
