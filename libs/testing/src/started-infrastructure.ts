/** What the jest global set-up started once per run, kept until the global teardown stops it. */
export interface StartedInfrastructure {
  readonly description: string;
  stop(): Promise<void>;
}
