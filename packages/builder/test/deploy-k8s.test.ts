import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  buildInitdata,
  buildK8sManifests,
  K8sDeployError,
  type K8sDeployOptions,
  k8sMeasurements,
  type WorkloadSpec,
} from '../src/deploy-k8s/index.js';

const workload: WorkloadSpec = {
  imageDigest: `sha256:${'ab'.repeat(32)}`,
  args: ['/opt/node/bin/node', '/app/main.mjs'],
  env: ['NODE_ENV=production', 'PATH=/opt/node/bin:/usr/bin:/bin'],
  cwd: '/app',
};
const options: K8sDeployOptions = {
  app: 'transcriber',
  repository: 'registry.example.com/acme/transcriber',
  workload,
  healthPath: '/.well-known/blindbox/v1/health',
};
const ANNOTATION = 'io.katacontainers.config.hypervisor.cc_init_data';
type Pod = {
  metadata: { annotations: Record<string, string> };
  spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
};
const podOf = (d: Record<string, unknown>) => (d['spec'] as { template: Pod }).template;

describe('blindbox deploy k8s: manifests', () => {
  it.each(['snp', 'tdx'] as const)(
    'the %s Deployment and Service pass the Kubernetes API schemas',
    (platform) => {
      const out = buildK8sManifests({ ...options, platform, replicas: 3 });
      // kubernetes-models validates against the OpenAPI schemas of the Kubernetes API itself.
      expect(() => new Deployment(out.deployment as never).validate()).not.toThrow();
      expect(() => new Service(out.service as never).validate()).not.toThrow();
      const pod = podOf(out.deployment);
      expect(pod.spec['runtimeClassName']).toBe(`kata-qemu-${platform}`);
      expect(pod.spec.containers[0]!['image']).toBe(
        `registry.example.com/acme/transcriber@${workload.imageDigest}`,
      );
      expect((out.deployment['spec'] as { replicas: number }).replicas).toBe(3);
      // Sticky: a client keeps reaching the replica whose key it holds.
      expect((out.service['spec'] as { sessionAffinity: string }).sessionAffinity).toBe('ClientIP');
    },
  );

  it('a broken manifest is caught by the same schema validation (so the check above can fail)', () => {
    const out = buildK8sManifests(options);
    const broken = structuredClone(out.deployment) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it('the annotation carries exactly the initdata whose SHA-256 / SHA-384 the release records', () => {
    for (const platform of ['snp', 'tdx'] as const) {
      const out = buildK8sManifests({ ...options, platform });
      const annotation = podOf(out.deployment).metadata.annotations[ANNOTATION]!;
      const document = gunzipSync(Buffer.from(annotation, 'base64'));
      expect(document.toString('utf8')).toBe(out.initdata);
      const hash = createHash(platform === 'snp' ? 'sha256' : 'sha384')
        .update(document)
        .digest('hex');
      expect(out.initdataDigest).toBe(hash);
      expect(hash).toBe(k8sMeasurements(workload)[platform === 'snp' ? 'snp.hostData' : 'tdx.mrConfigId']);
      expect(hash).toHaveLength(platform === 'snp' ? 64 : 96);
    }
  });

  it('is deterministic, and a changed image digest changes both bindings', () => {
    expect(buildK8sManifests(options)).toEqual(buildK8sManifests(options));
    const other = k8sMeasurements({ ...workload, imageDigest: `sha256:${'cd'.repeat(32)}` });
    const base = k8sMeasurements(workload);
    expect(other['snp.hostData']).not.toBe(base['snp.hostData']);
    expect(other['tdx.mrConfigId']).not.toBe(base['tdx.mrConfigId']);
    expect(k8sMeasurements({ ...workload, env: [...workload.env, 'DEBUG=1'] })['snp.hostData']).not.toBe(
      base['snp.hostData'],
    );
  });

  it('the initdata is CoCo initdata 0.1.0 TOML whose policy pins the image, the process and refuses exec', () => {
    const doc = parseToml(buildInitdata(workload, 'tdx')) as {
      algorithm: string;
      version: string;
      data: Record<string, string>;
    };
    expect(doc.algorithm).toBe('sha384');
    expect(doc.version).toBe('0.1.0');
    const policy = doc.data['policy.rego']!;
    expect(policy).toContain(`"@${workload.imageDigest}"`);
    expect(policy).toContain('input.OCI.Process.Args == ["/opt/node/bin/node", "/app/main.mjs"]');
    for (const denied of ['ExecProcessRequest', 'CopyFileRequest', 'ReadStreamRequest', 'SetPolicyRequest']) {
      expect(policy).toContain(`default ${denied} := false`);
      expect(policy).not.toContain(`default ${denied} := true`);
    }
    expect(policy).toContain('default CreateContainerRequest := false');
  });

  it.each<[string, Partial<K8sDeployOptions>]>([
    ['an app name that is not a DNS label', { app: 'Transcriber_1' }],
    ['a repository with a tag', { repository: 'registry.example.com/acme/transcriber:latest' }],
    ['a repository with a digest', { repository: `registry.example.com/acme/t@${workload.imageDigest}` }],
    ['zero replicas', { replicas: 0 }],
    ['a digest that is not sha256', { workload: { ...workload, imageDigest: 'md5:abc' } }],
    ['an argument that would break the policy text', { workload: { ...workload, args: ["node'''"] } }],
    ['no entrypoint', { workload: { ...workload, args: [] } }],
  ])('%s is refused with a typed error', (_name, over) => {
    expect(() => buildK8sManifests({ ...options, ...over })).toThrow(K8sDeployError);
  });
});
