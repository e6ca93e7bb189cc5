import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AciDeployError, buildAciTemplate, readCcePolicy } from '../src/deploy-aci/index.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../vectors/', import.meta.url));
const expected = JSON.parse(readFileSync(`${VECTORS}/expected.json`, 'utf8')) as Record<
  string,
  { fields: { hostData: string } }
>;
const aciPolicy = readFileSync(`${VECTORS}/sev-snp/aci/security_policy.base64`, 'utf8');

describe('blindbox deploy aci', () => {
  it('records host_data = SHA-256 of the decoded ccePolicy, as the real ACI report carries it', () => {
    const policy = readCcePolicy(aciPolicy, { insecureAllowExec: true });
    expect(policy.hostData).toBe(expected['sev-snp/aci']!.fields.hostData);
  });

  it('refuses the debug (allow-all) policy unless the insecure option is named', () => {
    expect(() => readCcePolicy(aciPolicy)).toThrow(
      expect.objectContaining({ code: 'ACI_PERMISSIVE_POLICY' }),
    );
  });

  it('accepts a policy that denies exec', () => {
    const rego =
      'package policy\n\napi_svn := "0.10.0"\nexec_in_container := {"allowed": false}\nexec_external := {"allowed": false}\n';
    const policy = readCcePolicy(Buffer.from(rego).toString('base64'));
    expect(policy.rego).toBe(rego);
  });

  it.each([
    ['not base64', 'not base64!'],
    ['not a Rego policy', Buffer.from('hello').toString('base64')],
  ])('refuses a ccePolicy that is %s', (_name, text) => {
    expect(() => readCcePolicy(text)).toThrow(AciDeployError);
  });

  it('writes a confidential container group with the image by digest and the policy', () => {
    const policy = readCcePolicy(aciPolicy, { insecureAllowExec: true });
    const digest = `sha256:${'ab'.repeat(32)}`;
    const template = buildAciTemplate({
      app: 'transcriber',
      repository: 'acme.azurecr.io/transcriber',
      imageDigest: digest,
      policy,
    });
    const group = (
      template['resources'] as {
        properties: Record<string, unknown> & { containers: { properties: { image: string } }[] };
      }[]
    )[0]!;
    expect(group.properties['sku']).toBe('Confidential');
    expect(group.properties['confidentialComputeProperties']).toEqual({ ccePolicy: policy.base64 });
    expect(group.properties.containers[0]!.properties.image).toBe(`acme.azurecr.io/transcriber@${digest}`);
    expect(() =>
      buildAciTemplate({
        app: 'transcriber',
        repository: 'acme.azurecr.io/transcriber:latest',
        imageDigest: digest,
        policy,
      }),
    ).toThrow(AciDeployError);
  });
});
