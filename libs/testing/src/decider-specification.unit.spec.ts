import { describe, it } from '@jest/globals';
import { DeciderSpecification } from './decider-specification.js';

type Command = { readonly add: number };
type Event = { readonly added: number };
class NegativeAmountError extends Error {}

const given = DeciderSpecification.for<Command, Event, number>({
  initialState: () => 0,
  evolve: (total, event) => total + event.added,
  decide: (command, total) => {
    if (command.add < 0) throw new NegativeAmountError(`cannot add ${command.add} to ${total}`);
    return command.add === 0 ? [] : { added: command.add };
  },
});

describe('DeciderSpecification', () => {
  it('checks the events decided on the folded history', () => {
    given([{ added: 1 }, { added: 2 }])
      .when({ add: 3 })
      .then([{ added: 3 }]);
    given([]).when({ add: 0 }).thenNothingHappened();
    given([{ added: 5 }])
      .when({ add: -1 })
      .thenThrows(NegativeAmountError, (error) => {
        if (!error.message.includes('to 5')) throw new Error('the refusal did not see the folded state');
      });
  });
});
