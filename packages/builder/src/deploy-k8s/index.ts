export type { WorkloadSpec } from './agent-policy.js';
export {
  buildInitdata,
  initdataAnnotation,
  initdataDigest,
  type K8sPlatform,
  k8sMeasurements,
} from './build-initdata.js';
export {
  buildK8sManifests,
  type K8sDeployment,
  type K8sDeployOptions,
  type K8sObject,
} from './build-k8s-manifests.js';
export { K8sDeployError, type K8sDeployErrorCode } from './k8s-deploy-error.js';
export { readWorkloadSpec, workloadSpecOf } from './read-workload-spec.js';
