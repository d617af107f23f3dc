import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type pg from 'pg';
import { privatePool } from '@scheduler/postgres-migrations';
import { ReadinessRegistry, SERVICE_CONFIG } from '@scheduler/runtime';
import { ensureCalendarSyncSchema } from './calendar-sync/migrations.js';
import type { GoogleIngestConfig } from './config.js';
import { ensureGoogleAccountSchema } from './google-accounts/migrations.js';
import { ensureChannelSchema } from './watch-channels/migrations.js';

/** pg.Pool on DATABASE_URL: the service's private database (tokens, channels, sync state). Never shared. */
export const PRIVATE_DATABASE = Symbol('PRIVATE_DATABASE');

const describeError = (error: unknown) =>
  error instanceof Error ? { error: error.name, reason: error.message } : { reason: String(error) };

/** The private tables, in this order; each step is idempotent and safe under concurrent starts. */
export async function migratePrivateDatabase(pool: pg.Pool): Promise<void> {
  await ensureGoogleAccountSchema(pool);
  await ensureCalendarSyncSchema(pool);
  await ensureChannelSchema(pool);
}

async function openPrivateDatabase(config: GoogleIngestConfig): Promise<pg.Pool> {
  const pool = privatePool({
    connectionString: config.DATABASE_URL,
    max: 10,
    name: 'google-ingest',
    onIdleError: (error) => new Logger('PrivateDatabase').warn(describeError(error), 'idle client failed'),
  });
  try {
    await migratePrivateDatabase(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

/** Reports the database in readiness, and closes it last: after every feature's shutdown work. */
@Injectable()
class PrivateDatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PRIVATE_DATABASE) private readonly pool: pg.Pool,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('private-database', async () => {
      await this.pool.query('SELECT 1');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Global like the event platform: a global module's shutdown hooks run after those of the
 * feature modules, so syncs still in flight finish before the pool closes.
 */
@Global()
@Module({
  providers: [
    { provide: PRIVATE_DATABASE, inject: [SERVICE_CONFIG], useFactory: openPrivateDatabase },
    PrivateDatabaseLifecycle,
  ],
  exports: [PRIVATE_DATABASE],
})
export class PrivateDatabaseModule {}
