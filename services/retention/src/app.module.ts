import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@scheduler/runtime';
import type { RetentionConfig } from './config.js';

/** Durable meeting-end timers and the purge of personal data by destroying keys. */
@Module({})
export class RetentionModule {
  static forRoot(config: RetentionConfig): DynamicModule {
    return {
      module: RetentionModule,
      imports: [RuntimeModule.forRoot({ service: 'retention', config })],
    };
  }
}
