import { describe } from '@jest/globals';
import { testInfrastructure, uniqueName } from '@scheduler/testing';
import { MongoClient } from 'mongodb';
import { describeDataKeyStoreConformance } from './conformance.js';
import { MongoDataKeyStore } from './mongodb.js';

const mongoUrl = process.env.TEST_MONGODB_URL ? testInfrastructure().mongoUrl : undefined;

if (!mongoUrl) {
  console.info(
    'MongoDataKeyStore conformance skipped: no MongoDB here (TEST_MONGODB_URL is unset); it runs under TEST_INFRA=containers',
  );
  describe.skip('DataKeyStore conformance: MongoDB (needs TEST_INFRA=containers)', () => {
    describeDataKeyStoreConformance('MongoDB', async () => {
      throw new Error('unreachable');
    });
  });
} else {
  describeDataKeyStoreConformance('MongoDB', async () => {
    const client = new MongoClient(mongoUrl);
    await client.connect();
    const database = client.db(uniqueName('data_keys'));
    return {
      store: new MongoDataKeyStore({ database }),
      async cleanUp() {
        await database.dropDatabase();
        await client.close();
      },
    };
  });
}
