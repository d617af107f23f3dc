import type * as JestGlobals from '@jest/globals';

// Jest's expect, read when a specification runs: importing '@jest/globals' would make this package
// unusable outside jest (the journey benchmark reaches it through @scheduler/test-harness).
const expect = (actual: unknown) => (globalThis as unknown as typeof JestGlobals).expect(actual);

/**
 * The shape of @scheduler/event-store's Decider, restated so that this test library does not
 * depend on a library whose own tests depend on it.
 */
interface SpecifiedDecider<Command, Event, State> {
  decide(command: Command, state: State): Event | readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/**
 * Decider tests read as specifications, as in Emmett:
 *   given([events]).when(command).then([events])
 *   given([events]).when(command).thenNothingHappened()
 *   given([events]).when(command).thenThrows(ErrorClass, (error) => …)
 */
export const DeciderSpecification = {
  for<Command, Event, State>(decider: SpecifiedDecider<Command, Event, State>) {
    return (givenEvents: Event | readonly Event[]) => {
      const history: readonly Event[] = Array.isArray(givenEvents) ? givenEvents : [givenEvents as Event];
      const state = () => history.reduce(decider.evolve, decider.initialState());
      return {
        when(command: Command) {
          const run = (): readonly Event[] => {
            const decided = decider.decide(command, state());
            return Array.isArray(decided) ? decided : [decided as Event];
          };
          return {
            then(expected: Event | readonly Event[]): void {
              expect(run()).toEqual(Array.isArray(expected) ? expected : [expected]);
            },
            /** For events with generated parts: check them yourself. */
            thenEvents(check: (events: readonly Event[]) => void): void {
              check(run());
            },
            thenNothingHappened(): void {
              expect(run()).toEqual([]);
            },
            thenThrows<Thrown extends Error>(
              errorType?: abstract new (...args: never[]) => Thrown,
              check?: (error: Thrown) => void,
            ): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeDefined();
              if (errorType) expect(thrown).toBeInstanceOf(errorType);
              check?.(thrown as Thrown);
            },
          };
        },
      };
    };
  },
};
