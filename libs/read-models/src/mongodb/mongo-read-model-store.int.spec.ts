import { testInfrastructure, uniqueName } from '@scheduler/testing';
import { MongoClient } from 'mongodb';
import { describeDocumentStoreConformance } from '../conformance/document-store.conformance.js';
import { MongoReadModelStore } from './mongo-read-model-store.js';

// MongoDB cannot run on this machine (no container engine): TEST_INFRA=containers provides it.
const mongoUrl = testInfrastructure().mongoUrl;
const databaseName = uniqueName('read_models');

describeDocumentStoreConformance({
  name: 'MongoDB',
  ...(mongoUrl
    ? {}
    : { skipReason: 'TEST_MONGODB_URL is not set; MongoDB runs only under TEST_INFRA=containers' }),
  connect: () => MongoReadModelStore.connect({ url: mongoUrl!, databaseName }),
  cleanUp: async () => {
    const client = await MongoClient.connect(mongoUrl!);
    try {
      await client.db(databaseName).dropDatabase();
    } finally {
      await client.close();
    }
  },
});
