import { describe, expect, it } from 'vitest';
import { EndpointError, enclave, endpoint, getEnclaveOptions, isEndpoint } from './index.js';

describe('decorators', () => {
  it('records the enclave options and marks only decorated methods', () => {
    @enclave({ name: 'demo' })
    class Demo {
      @endpoint()
      async hello(_req: { name: string }): Promise<{ text: string }> {
        return { text: 'hi' };
      }
      async notExposed(_req: { name: string }): Promise<void> {}
    }
    expect(getEnclaveOptions(Demo)).toEqual({ name: 'demo' });
    expect(isEndpoint(Demo.prototype.hello)).toBe(true);
    expect(isEndpoint(Demo.prototype.notExposed)).toBe(false);
    expect(getEnclaveOptions(class Other {})).toBeUndefined();
  });

  it('rejects an invalid enclave name', () => {
    expect(() => enclave({ name: 'Not Valid' })).toThrow(/must match/);
  });
});

describe('EndpointError', () => {
  it('keeps code, message and path', () => {
    const err = new EndpointError('NOT_FOUND', 'no such note', { path: '/id' });
    expect([err.code, err.message, err.path]).toEqual(['NOT_FOUND', 'no such note', '/id']);
  });
  it('refuses codes that are not UPPER_SNAKE_CASE', () => {
    expect(() => new EndpointError('oops', 'x')).toThrow(TypeError);
  });
});
