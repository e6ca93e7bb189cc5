/** `create-blindbox-app`: scaffold a BlindBox app from one of the shipped templates. */
export { type Answers, detectPackageManager } from './ask-questions.js';
export { checkName, checkTarget, type Target } from './check-target.js';
export { copyTemplate, projectFileName, rewritePackageJson } from './copy-template.js';
export { type CreateAppOptions, type CreatedApp, createApp } from './create-app.js';
export { listTemplates, scaffolderVersion, type TemplateInfo, templatesDir } from './locate-templates.js';
export { type MainIo, main } from './main.js';
export {
  type CliArguments,
  PACKAGE_MANAGERS,
  type PackageManager,
  parseArguments,
} from './parse-arguments.js';
export { ScaffoldError, type ScaffoldErrorCode } from './scaffold-error.js';
