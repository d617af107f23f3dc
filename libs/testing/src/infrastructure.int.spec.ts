import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import pg from 'pg';
import { isolatedSchema, testInfrastructure, uniqueName, type IsolatedSchema } from './index.js';

describe('test infrastructure', () => {
  describe('PostgreSQL', () => {
    let schema: IsolatedSchema;
    beforeAll(async () => {
      schema = await isolatedSchema('infra');
    });
    afterAll(async () => schema.drop());

    it('round-trips a row inside the file’s own schema', async () => {
      const client = new pg.Client({ connectionString: schema.connectionString });
      await client.connect();
      try {
        await client.query('CREATE TABLE probe (id int PRIMARY KEY, body jsonb NOT NULL)');
        await client.query('INSERT INTO probe VALUES ($1, $2)', [1, { subject: 'Standup ☕' }]);
        const { rows } = await client.query('SELECT body, current_schema() AS schema FROM probe');
        expect(rows).toEqual([{ body: { subject: 'Standup ☕' }, schema: schema.schema }]);
      } finally {
        await client.end();
      }
    });
  });

  describe('NATS JetStream', () => {
    it('publishes and consumes with explicit ack on a file-backed stream', async () => {
      const connection = await connect({ servers: testInfrastructure().natsUrl });
      const name = uniqueName('probe').toUpperCase();
      const subject = `${name}.events`;
      try {
        const manager = await jetstreamManager(connection);
        const info = await manager.streams.add({ name, subjects: [`${name}.>`] });
        expect(info.config.storage).toBe('file');
        const js = jetstream(connection);
        const ack = await js.publish(subject, 'hello', { msgID: 'm-1' });
        const duplicate = await js.publish(subject, 'hello', { msgID: 'm-1' });
        expect(ack.seq).toBe(1);
        expect(duplicate.duplicate).toBe(true);
        await manager.consumers.add(name, { durable_name: 'probe', ack_policy: AckPolicy.Explicit });
        const consumer = await js.consumers.get(name, 'probe');
        const message = await consumer.next({ expires: 5_000 });
        expect(message?.string()).toBe('hello');
        message?.ack();
        await manager.streams.delete(name);
      } finally {
        await connection.close();
      }
    });
  });
});
