import { K8sDeployError } from './k8s-deploy-error.js';

/** What the Kata agent may start in the pod: exactly this container, as the image config says. */
export interface WorkloadSpec {
  /** `sha256:<64 hex>`: the image manifest digest, which the release also names. */
  imageDigest: string;
  /** The process the container runs: the image's entrypoint followed by its cmd. */
  args: readonly string[];
  /** The image's environment, `NAME=value`. */
  env: readonly string[];
  /** The container's working directory. */
  cwd: string;
}

const regoString = (s: string) => JSON.stringify(s);

/**
 * The Rego policy the Kata agent enforces inside the guest (kata-containers `agent_policy`): every
 * agent API the host can call is denied unless listed. This one lets the host create the sandbox and
 * exactly one workload container, from an image pinned by digest, with this process and environment;
 * it refuses exec, copying files in, reading the container's output streams and mounting anything new
 * that the workload did not declare. Kubernetes adds service-discovery variables to every container's
 * environment (`*_SERVICE_HOST`, `*_PORT…`, `KUBERNETES_*`, `HOSTNAME`), which are allowed by pattern.
 */
export function buildAgentPolicy(spec: WorkloadSpec): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(spec.imageDigest)) {
    throw new K8sDeployError(
      'K8S_BAD_INPUT',
      `the image digest must be sha256:<64 hex>, got ${JSON.stringify(spec.imageDigest)}`,
    );
  }
  if (spec.args.length === 0) throw new K8sDeployError('K8S_BAD_INPUT', 'the image has no entrypoint to pin');
  for (const value of [...spec.args, ...spec.env, spec.cwd]) {
    // The policy is text the guest parses: refuse what could end a string or a TOML literal block.
    if (value.includes("'") || [...value].some((c) => c.charCodeAt(0) < 0x20)) {
      throw new K8sDeployError(
        'K8S_BAD_INPUT',
        `refusing a process value with a quote or control character: ${JSON.stringify(value)}`,
      );
    }
  }
  const allowed = (name: string) => `default ${name} := true`;
  const denied = (name: string) => `default ${name} := false`;
  return [
    'package agent_policy',
    '',
    'import rego.v1',
    '',
    '# Host requests that run the sandbox and its lifecycle.',
    ...[
      'CreateSandboxRequest',
      'DestroySandboxRequest',
      'GetOOMEventRequest',
      'GuestDetailsRequest',
      'OnlineCPUMemRequest',
      'PullImageRequest',
      'RemoveContainerRequest',
      'RemoveStaleVirtiofsShareMountsRequest',
      'SignalProcessRequest',
      'StartContainerRequest',
      'StatsContainerRequest',
      'TtyWinResizeRequest',
      'UpdateEphemeralMountsRequest',
      'UpdateInterfaceRequest',
      'UpdateRoutesRequest',
      'WaitProcessRequest',
      'AddARPNeighborsRequest',
      'ListInterfacesRequest',
      'ListRoutesRequest',
      'CloseStdinRequest',
    ].map(allowed),
    '',
    '# Host requests that would let the operator into the enclave: exec, file copies, reading output,',
    '# replacing this policy.',
    ...[
      'ExecProcessRequest',
      'CopyFileRequest',
      'ReadStreamRequest',
      'WriteStreamRequest',
      'SetPolicyRequest',
    ].map(denied),
    '',
    denied('CreateContainerRequest'),
    '',
    '# The pause container of the pod sandbox.',
    'CreateContainerRequest if {',
    '  input.OCI.Annotations["io.kubernetes.cri.container-type"] == "sandbox"',
    '}',
    '',
    '# The workload: the measured image, its process, its environment.',
    'CreateContainerRequest if {',
    '  input.OCI.Annotations["io.kubernetes.cri.container-type"] == "container"',
    `  endswith(input.OCI.Annotations["io.kubernetes.cri.image-name"], ${regoString(`@${spec.imageDigest}`)})`,
    `  input.OCI.Process.Args == [${spec.args.map(regoString).join(', ')}]`,
    `  input.OCI.Process.Cwd == ${regoString(spec.cwd)}`,
    '  every e in input.OCI.Process.Env { allowed_env(e) }',
    '}',
    '',
    `image_env := {${spec.env.map(regoString).join(', ')}}`,
    '',
    'allowed_env(e) if { e in image_env }',
    'allowed_env(e) if { regex.match(`^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT|SERVICE_PORT_[A-Z0-9_]+|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)=[-A-Za-z0-9.:/]*$`, e) }',
    'allowed_env(e) if { regex.match(`^HOSTNAME=[-a-z0-9.]+$`, e) }',
    '',
  ].join('\n');
}
