import {
  type AppManifest,
  type CallRequest,
  type CallResponse,
  type EndpointManifest,
  NOT_RUN_PREFIX,
} from '@blindbox/protocol';
import { EndpointError, isEndpoint } from '@blindbox/sdk';
import { reviveInput, toWireValue } from './revive-value.js';
import { streamInlineFields } from './stream-fields.js';
import { validateValue } from './validate-value.js';
import type { EndpointValidators, ValidationIssue } from './validation-issue.js';

/** Logs what happened to a call without its content: never inputs, outputs or keys. */
export type CallLogger = (event: {
  endpoint?: string;
  requestId?: string;
  outcome: string;
  ms: number;
}) => void;

/** How {@link dispatchCall} checks and reports. */
export interface DispatchOptions {
  log?: CallLogger;
  /**
   * The validators the build compiled (`app/main.mjs` passes them). Default: none, and each value is
   * checked by walking its schema with {@link validateValue}, which gives the same issues.
   */
  validators?: EndpointValidators;
  /**
   * Put the issue of an output the handler's declared type refuses (path, expected, found) into the
   * sealed `INTERNAL` answer, for the developer at the other end. `blindbox dev` turns it on; by
   * default the answer says only that the result was invalid. Default: false.
   */
  revealOutputIssues?: boolean;
}

/**
 * Runs one opened request against the enclave instance: endpoint lookup in the manifest, input
 * validation against its schema, the handler, output validation. Every failure becomes a typed error
 * response; nothing a handler throws escapes except as `INTERNAL`.
 */
export async function dispatchCall(
  manifest: AppManifest,
  instance: object,
  request: CallRequest,
  options: DispatchOptions = {},
): Promise<CallResponse> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const done = (response: CallResponse, outcome: string): CallResponse => {
    log({
      endpoint: request.endpoint,
      requestId: request.requestId,
      outcome,
      ms: performance.now() - started,
    });
    return response;
  };
  const endpoint: EndpointManifest | undefined = manifest.endpoints.find((e) => e.name === request.endpoint);
  // `method` is set when `@endpoint({ name })` gave the endpoint another name than the method's.
  const method = endpoint
    ? (instance as Record<string, unknown>)[endpoint.method ?? endpoint.name]
    : undefined;
  // Second gate after the manifest: only methods that carry @endpoint are callable.
  if (!endpoint || typeof method !== 'function' || !isEndpoint(method)) {
    return done(
      {
        ok: false,
        error: { code: 'UNKNOWN_ENDPOINT', message: `no endpoint named ${JSON.stringify(request.endpoint)}` },
      },
      'UNKNOWN_ENDPOINT',
    );
  }
  const compiled =
    options.validators && Object.hasOwn(options.validators, endpoint.name)
      ? options.validators[endpoint.name]
      : undefined;
  const inputIssue = compiled
    ? compiled.input(request.input)
    : validateValue(request.input, endpoint.input, manifest.definitions);
  if (inputIssue) return done({ ok: false, error: invalidInput(inputIssue) }, 'INVALID_INPUT');
  // A streamed field gets a stream even when its bytes arrived inline (one-shot, small bodies).
  // Dates and bigints travel as strings (docs/reference/types.md): the handler gets the real types.
  const revived = reviveInput(request.input, endpoint.input, manifest.definitions ?? {});
  const input = streamInlineFields(revived, endpoint, manifest.definitions ?? {});
  let output: unknown;
  try {
    output = await (method as (input: unknown) => Promise<unknown>).call(instance, input);
  } catch (err) {
    // NOT_RUN_ codes prove to the client that nothing ran (docs/protocol.md §11.6), so that it may
    // resend: a handler that ran must never be able to claim that.
    if (err instanceof EndpointError && !err.code.startsWith(NOT_RUN_PREFIX)) {
      const error = {
        code: err.code,
        message: err.message,
        ...(err.path !== undefined ? { path: err.path } : {}),
      };
      // The code is the handler's answer (content, sealed for the client): the host reads the log,
      // so it learns only that the handler refused, never which code (or endpoint) it was.
      return done({ ok: false, error }, 'ENDPOINT_ERROR');
    }
    return done({ ok: false, error: { code: 'INTERNAL', message: 'the handler failed' } }, 'INTERNAL');
  }
  output = toWireValue(output);
  const outputIssue = compiled
    ? compiled.output(output)
    : validateValue(output, endpoint.output, manifest.definitions);
  if (outputIssue) {
    // A handler returned something its declared type does not allow: do not leak it.
    const message = 'the handler returned an invalid result';
    const error = options.revealOutputIssues
      ? {
          code: 'INTERNAL',
          message: `${message}: ${outputIssue.message} at ${JSON.stringify(outputIssue.path)}`,
          path: outputIssue.path,
          expected: outputIssue.expected,
          found: outputIssue.found,
        }
      : { code: 'INTERNAL', message };
    return done({ ok: false, error }, 'BAD_OUTPUT');
  }
  return done({ ok: true, output }, 'ok');
}

function invalidInput(found: ValidationIssue) {
  return {
    code: 'INVALID_INPUT',
    message: `${found.message}${found.path === '' ? '' : ` at ${found.path}`}`,
    path: found.path,
    expected: found.expected,
    found: found.found,
  };
}
