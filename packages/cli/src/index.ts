export { BaseCommand, EXIT, UsageError, VerdictError } from './base-command.js';
