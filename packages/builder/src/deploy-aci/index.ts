export {
  AciDeployError,
  type AciDeployErrorCode,
  type AciTemplateOptions,
  buildAciTemplate,
  type CcePolicy,
  readCcePolicy,
} from './build-aci-template.js';
