import { describe } from '@jest/globals';
import { describeEventStoreConformance } from '../conformance/event-store-conformance.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

// EventStoreDB runs only under TEST_INFRA=containers (libs/testing/src/containers.ts).
const url = process.env.TEST_ESDB_URL;

if (url) {
  describe('EventStoreDB adapter', () => {
    describeEventStoreConformance('EventStoreDB', () => EventStoreDbEventStore.connect(url));
  });
} else {
  console.info(
    'EventStoreDB conformance suite skipped: TEST_ESDB_URL is not set (no container engine here); ' +
      'run it with TEST_INFRA=containers',
  );
  describe.skip('EventStoreDB adapter (skipped: TEST_ESDB_URL is not set; run with TEST_INFRA=containers)', () => {
    describeEventStoreConformance('EventStoreDB', () => EventStoreDbEventStore.connect('esdb://unset'));
  });
}
