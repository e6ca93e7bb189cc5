import type { WorkloadSpec } from './agent-policy.js';
import { buildInitdata, initdataAnnotation, initdataDigest, type K8sPlatform } from './build-initdata.js';
import { K8sDeployError } from './k8s-deploy-error.js';

/** Where and how to run an app on Kubernetes with confidential containers. */
export interface K8sDeployOptions {
  /** The app's name: names the Deployment, Service and labels (a DNS-1123 label). */
  app: string;
  /** The image repository the cluster pulls from, e.g. `registry.example.com/acme/transcriber`; the digest is added. */
  repository: string;
  workload: WorkloadSpec;
  /** Default: `snp`. */
  platform?: K8sPlatform;
  /** Default: 2. Every replica is its own TEE with its own key; clients attest each. */
  replicas?: number;
  /** The RuntimeClass of the Kata/CoCo install. Default: `kata-qemu-snp` or `kata-qemu-tdx`. */
  runtimeClassName?: string;
  /** The port the enclave listens on. Default: 8080. */
  port?: number;
  /** Resource limits of the container. Default: 2 CPUs, 2 GiB. */
  resources?: { cpu: string; memory: string };
  /** The health endpoint probed by Kubernetes. */
  healthPath: string;
}

/** A Kubernetes object as plain JSON. */
export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string };

export interface K8sDeployment {
  deployment: K8sObject;
  service: K8sObject;
  /** The initdata document whose digest the hardware reports. */
  initdata: string;
  /** SNP host_data (SHA-256) or TDX MRCONFIGID (SHA-384) of the initdata, hex. */
  initdataDigest: string;
}

const ANNOTATION = 'io.katacontainers.config.hypervisor.cc_init_data';

function check(options: K8sDeployOptions): void {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.app)) {
    throw new K8sDeployError(
      'K8S_BAD_INPUT',
      `the app name ${JSON.stringify(options.app)} is not a DNS-1123 label`,
    );
  }
  if (
    !/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$|^[a-z0-9]+([._-][a-z0-9]+)*$/.test(
      options.repository,
    )
  ) {
    throw new K8sDeployError(
      'K8S_BAD_INPUT',
      `--image must be a repository without tag or digest (the digest is pinned from the build), got ${JSON.stringify(options.repository)}`,
    );
  }
  const replicas = options.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 1000) {
    throw new K8sDeployError('K8S_BAD_INPUT', `replicas must be an integer from 1 to 1000, got ${replicas}`);
  }
}

/**
 * The Deployment and Service that run a built app in Kata confidential containers: the image pinned
 * by digest, the initdata (agent policy) as the pod annotation, the platform's RuntimeClass,
 * resource limits and health probes. Deterministic: the same inputs give the same objects.
 */
export function buildK8sManifests(options: K8sDeployOptions): K8sDeployment {
  check(options);
  const platform = options.platform ?? 'snp';
  const port = options.port ?? 8080;
  const initdata = buildInitdata(options.workload, platform);
  const labels = { 'app.kubernetes.io/name': options.app, 'app.kubernetes.io/managed-by': 'blindbox' };
  const probe = {
    httpGet: { path: options.healthPath, port },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  };
  const resources = options.resources ?? { cpu: '2', memory: '2Gi' };
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.app, labels },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': options.app } },
      template: {
        metadata: { labels, annotations: { [ANNOTATION]: initdataAnnotation(initdata) } },
        spec: {
          runtimeClassName: options.runtimeClassName ?? `kata-qemu-${platform}`,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: options.app,
              image: `${options.repository}@${options.workload.imageDigest}`,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'blindbox', containerPort: port, protocol: 'TCP' }],
              resources: { limits: resources, requests: resources },
              readinessProbe: probe,
              livenessProbe: { ...probe, initialDelaySeconds: 10 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          // Scratch space in the guest's own (encrypted) memory: a disk-backed emptyDir lives on the host.
          volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } }],
        },
      },
    },
  };
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: options.app, labels },
    spec: {
      selector: { 'app.kubernetes.io/name': options.app },
      ports: [{ name: 'blindbox', port: 443, targetPort: port, protocol: 'TCP' }],
      // Each replica has its own key: a client's calls should keep reaching the replica whose key it
      // attested. Without affinity they still run at most once, at the cost of unknown-key round
      // trips (packages/client/README.md, "Behind a load balancer").
      sessionAffinity: 'ClientIP',
    },
  };
  return { deployment, service, initdata, initdataDigest: initdataDigest(initdata, platform) };
}
