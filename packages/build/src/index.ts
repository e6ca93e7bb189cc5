export { analyzeProject } from './analyze-project.js';
export { BuildError, type BuildErrorCode, type SourceLocation } from './build-error.js';
export { canonicalJson } from './canonical-json.js';
