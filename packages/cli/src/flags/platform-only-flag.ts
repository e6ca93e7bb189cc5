/**
 * Relationships for a flag that only one `--platform` reads (`--cert` for SEV-SNP, `--expect-pcr`
 * for Nitro): given with another platform, oclif refuses the call (exit 2) instead of the flag
 * being silently ignored, which would leave a check the caller asked for unmade.
 */
export function onlyWithPlatform(platform: string) {
  return [
    {
      type: 'none' as const,
      flags: [
        {
          name: 'platform',
          when: async (flags: Record<string, unknown>) => flags['platform'] !== platform,
        },
      ],
    },
  ];
}
