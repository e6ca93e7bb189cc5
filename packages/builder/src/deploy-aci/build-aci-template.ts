import { createHash } from 'node:crypto';

/** Stable codes of an Azure Container Instances deployment that cannot be generated. */
export type AciDeployErrorCode = 'ACI_BAD_INPUT' | 'ACI_PERMISSIVE_POLICY';

export class AciDeployError extends Error {
  override readonly name = 'AciDeployError';
  constructor(
    readonly code: AciDeployErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A confidential container group's security policy as `az confcom acipolicygen` prints it: base64 of
 * a Rego document. BlindBox does not write this policy (Microsoft's tool derives it from the image's
 * layers and config); it checks it and records what the hardware will report for it.
 */
export interface CcePolicy {
  /** The base64 text, exactly as it goes into `ccePolicy`. */
  base64: string;
  /** The decoded Rego text. */
  rego: string;
  /** SHA-256 of the decoded policy, hex: what SEV-SNP reports as HOST_DATA for this container group. */
  hostData: string;
}

// Rules of the debug ("allow all") policy that let the host into the container group.
const PERMISSIVE = [
  /^exec_in_container\s*:=\s*\{\s*"allowed"\s*:\s*true/m,
  /^exec_external\s*:=\s*\{\s*"allowed"\s*:\s*true/m,
];

/** Parses and checks a ccePolicy. Refuses the debug policy unless `allowExec` says so by name. */
export function readCcePolicy(base64: string, options: { insecureAllowExec?: boolean } = {}): CcePolicy {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new AciDeployError(
      'ACI_BAD_INPUT',
      'the ccePolicy is not base64 (pass the output of az confcom acipolicygen --print-policy)',
    );
  }
  const decoded = Buffer.from(text, 'base64');
  const rego = decoded.toString('utf8');
  if (!/^package policy\b/m.test(rego)) {
    throw new AciDeployError(
      'ACI_BAD_INPUT',
      'the decoded ccePolicy is not a Rego "package policy" document',
    );
  }
  if (!options.insecureAllowExec && PERMISSIVE.some((re) => re.test(rego))) {
    throw new AciDeployError(
      'ACI_PERMISSIVE_POLICY',
      'the ccePolicy allows exec into the container (the debug policy): the host could read everything the enclave holds. Generate it without --debug-mode, or pass --insecure-allow-exec for a test deployment',
    );
  }
  return { base64: text, rego, hostData: createHash('sha256').update(decoded).digest('hex') };
}

export interface AciTemplateOptions {
  app: string;
  /** The image repository; the digest is pinned from the build. */
  repository: string;
  imageDigest: string;
  /**
   * The policy `az confcom acipolicygen` produced for this template. Absent: `ccePolicy` is left
   * empty for acipolicygen to fill in (ACI would run an empty policy as allow-all, whose host_data
   * no release records, so clients refuse such a deployment).
   */
  policy?: CcePolicy;
  /** Default: 8080. */
  port?: number;
  /** Default: 2 CPUs, 4 GiB. */
  cpu?: number;
  memoryInGB?: number;
}

/**
 * An ARM template for one confidential container group (`sku: Confidential`) running the built image
 * by digest under the given ccePolicy, with a public IP on the enclave's port. Deterministic.
 */
export function buildAciTemplate(options: AciTemplateOptions): Record<string, unknown> {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.app)) {
    throw new AciDeployError(
      'ACI_BAD_INPUT',
      `the app name ${JSON.stringify(options.app)} is not a valid container group name`,
    );
  }
  if (/[@:]/.test(options.repository.replace(/^[^/]*:\d+\//, ''))) {
    throw new AciDeployError(
      'ACI_BAD_INPUT',
      '--image must be a repository without tag or digest (the digest is pinned from the build)',
    );
  }
  const port = options.port ?? 8080;
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { location: { type: 'string', defaultValue: '[resourceGroup().location]' } },
    resources: [
      {
        type: 'Microsoft.ContainerInstance/containerGroups',
        apiVersion: '2023-05-01',
        name: options.app,
        location: "[parameters('location')]",
        properties: {
          sku: 'Confidential',
          confidentialComputeProperties: { ccePolicy: options.policy?.base64 ?? '' },
          osType: 'Linux',
          restartPolicy: 'Always',
          ipAddress: { type: 'Public', ports: [{ protocol: 'TCP', port }] },
          containers: [
            {
              name: options.app,
              properties: {
                image: `${options.repository}@${options.imageDigest}`,
                ports: [{ protocol: 'TCP', port }],
                resources: { requests: { cpu: options.cpu ?? 2, memoryInGB: options.memoryInGB ?? 4 } },
              },
            },
          ],
        },
      },
    ],
  };
}
