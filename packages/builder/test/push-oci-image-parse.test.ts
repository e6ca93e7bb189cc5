import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImageRef } from '../src/parse-image-ref.js';
import { parseAuthChallenges } from '../src/registry-auth.js';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('parseImageRef', () => {
  it('reads host:port/name[:tag] and host:port/name@sha256:…', () => {
    expect(parseImageRef('127.0.0.1:5000/hello')).toEqual({ registry: '127.0.0.1:5000', name: 'hello' });
    expect(parseImageRef('localhost:5000/team/app:1.2.3')).toEqual({
      registry: 'localhost:5000',
      name: 'team/app',
      tag: '1.2.3',
    });
    expect(parseImageRef(`ghcr.io/org/app@${digest}`)).toEqual({
      registry: 'ghcr.io',
      name: 'org/app',
      digest,
    });
    expect(parseImageRef(`[::1]:5000/app:v1@${digest}`)).toEqual({
      registry: '[::1]:5000',
      name: 'app',
      tag: 'v1',
      digest,
    });
  });

  it.each([
    ['hello', 'names no registry host'],
    ['/hello', 'names no registry host'],
    ['host:port/hello', 'not a host'],
    ['127.0.0.1:5000/Hello', 'not a valid repository name'],
    ['127.0.0.1:5000/hello:', 'not a valid tag'],
    ['127.0.0.1:5000/hello:-x', 'not a valid tag'],
    ['127.0.0.1:5000/hello@sha256:abc', 'not a sha256 digest'],
    ['127.0.0.1:5000/a//b', 'not a valid repository name'],
  ])('refuses %s with IMAGE_PUSH_BAD_REF (%s)', (ref, why) => {
    expect(() => parseImageRef(ref)).toThrow(expect.objectContaining({ code: 'IMAGE_PUSH_BAD_REF' }));
    expect(() => parseImageRef(ref)).toThrow(why);
  });

  it('round-trips any valid name and tag (property)', () => {
    const component = fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/);
    const name = fc.array(component, { minLength: 1, maxLength: 3 }).map((c) => c.join('/'));
    const tag = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(name, tag, (n, t) => {
        expect(parseImageRef(`registry.example:443/${n}:${t}`)).toEqual({
          registry: 'registry.example:443',
          name: n,
          tag: t,
        });
      }),
    );
  });

  it('throws only typed errors on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string(), (ref) => {
        try {
          parseImageRef(ref);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('IMAGE_PUSH_BAD_REF');
        }
      }),
    );
  });
});

describe('parseAuthChallenges', () => {
  it("reads distribution's Bearer challenge", () => {
    expect(
      parseAuthChallenges(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'registry.example',
          scope: 'repository:team/app:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, bare values and escaped quotes', () => {
    expect(
      parseAuthChallenges('Basic realm="Registry \\"R\\"", Bearer realm=https://a/t,error=invalid_token'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'Registry "R"' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', error: 'invalid_token' } },
    ]);
    expect(parseAuthChallenges('')).toEqual([]);
  });
});
