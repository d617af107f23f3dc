import { primitives } from '@scheduler/contracts';

/** Ten years: far beyond any sensible policy, and well inside what the timer table stores. */
export const MAX_RETENTION_SECONDS = 10 * 365 * 24 * 60 * 60;

export interface ParsedRetentionPolicies {
  /** Seconds after the end, by tenant (the tenant's primary domain, as in event envelopes). */
  readonly policies: ReadonlyMap<string, number>;
  /** One message per bad entry; empty when the text is valid. */
  readonly problems: readonly string[];
}

/**
 * Parses RETENTION_POLICIES: "<tenant domain>=<seconds>" separated by commas, blanks ignored.
 * Every bad entry is named, so a deployment sees all its mistakes at once.
 */
export function parseRetentionPolicies(text: string): ParsedRetentionPolicies {
  const policies = new Map<string, number>();
  const problems: string[] = [];
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (!entry) return;
    const label = `entry ${index + 1} ("${entry}")`;
    const separator = entry.indexOf('=');
    if (separator === -1) {
      problems.push(`${label}: expected "<tenant domain>=<seconds>", e.g. "acme.example=86400"`);
      return;
    }
    const tenantId = entry.slice(0, separator).trim();
    const secondsText = entry.slice(separator + 1).trim();
    if (!primitives.TenantId.safeParse(tenantId).success) {
      problems.push(`${label}: "${tenantId}" is not a tenant; expected a lower-case domain name`);
      return;
    }
    if (!/^\d+$/.test(secondsText) || Number(secondsText) > MAX_RETENTION_SECONDS) {
      problems.push(
        `${label}: "${secondsText}" is not a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (10 years)`,
      );
      return;
    }
    if (policies.has(tenantId)) {
      problems.push(`${label}: tenant "${tenantId}" is listed twice`);
      return;
    }
    policies.set(tenantId, Number(secondsText));
  });
  return { policies, problems };
}

/** How long each tenant's meeting data is kept after the meeting's end (or its cancellation). */
export class RetentionPolicy {
  constructor(
    readonly defaultSeconds: number,
    private readonly overrides: ReadonlyMap<string, number> = new Map(),
  ) {}

  secondsAfterEnd(tenantId: string): number {
    return this.overrides.get(tenantId) ?? this.defaultSeconds;
  }
}
