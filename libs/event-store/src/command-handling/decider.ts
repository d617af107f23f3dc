/**
 * An aggregate's logic as two pure functions, in the manner of Emmett's Decider: `decide`
 * turns a command and the current state into new events (or throws to refuse), `evolve` folds
 * one event into the state. Deciders do no I/O; handleCommand does the reading and appending.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event | readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** What the kernel needs to fold a stream: the evolve half of a decider. */
export interface StreamFold<Event, State> {
  evolve(state: State, event: Event): State;
  initialState(): State;
}
