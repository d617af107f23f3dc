// jest's own order (failed first, then slowest or largest first), except that the tests which wait
// for a tool the preflight builds in the background (helm) run last, so they never hold a worker
// while it builds.
import TestSequencer from '@jest/test-sequencer';

const Sequencer = TestSequencer.default ?? TestSequencer;
const runLast = [/[/\\]tools[/\\]deploy[/\\]chart\.unit\.spec\.ts$/];

export default class HelmTestsLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const last = (test) => runLast.some((pattern) => pattern.test(test.path));
    return [...sorted.filter((test) => !last(test)), ...sorted.filter(last)];
  }
}
