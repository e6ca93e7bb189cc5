import { Flags } from '@oclif/core';
import { UsageError } from '../base-command.js';

/**
 * `--at`: the time to verify at, ISO 8601. Evidence certificates expire (Nitro leaves live about
 * three hours), so checking captured evidence means choosing the time explicitly. Absent: now.
 */
export const verificationTimeFlag = Flags.custom<Date>({
  description: 'verification time, ISO 8601 [default: now]',
  parse: async (input) => {
    const at = new Date(input);
    // Date accepts "1" or "May 5"; require a calendar date first so a typo is not read as a time.
    if (!/^\d{4}-\d{2}-\d{2}/.test(input) || Number.isNaN(at.getTime())) {
      throw new UsageError(`expected an ISO 8601 time such as 2024-01-01T00:00:00Z, got "${input}"`);
    }
    return at;
  },
})();
