import { Injectable } from '@nestjs/common';

export type ReadinessProbe = () => Promise<Record<string, unknown> | void>;

/**
 * Modules register what /health/ready must check (NATS, stores, relay lag…). A probe
 * resolves when healthy (optionally with details) and throws when not.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly probes = new Map<string, ReadinessProbe>();

  register(name: string, probe: ReadinessProbe): void {
    if (this.probes.has(name)) throw new Error(`readiness probe "${name}" is registered twice`);
    this.probes.set(name, probe);
  }

  entries(): ReadonlyArray<[string, ReadinessProbe]> {
    return [...this.probes.entries()];
  }
}
