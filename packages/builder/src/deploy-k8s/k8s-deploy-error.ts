/** Stable codes of a Kubernetes deployment that cannot be generated. */
export type K8sDeployErrorCode = 'K8S_BAD_INPUT' | 'K8S_INITDATA_MISMATCH';

/** Why `blindbox deploy k8s` could not write manifests; the message says what to change. */
export class K8sDeployError extends Error {
  override readonly name = 'K8sDeployError';
  constructor(
    readonly code: K8sDeployErrorCode,
    message: string,
  ) {
    super(message);
  }
}
