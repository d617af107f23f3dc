import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ALLOWED_METHODS } from '../api-errors/api-exception.filter.js';
import { ApiRouteTable } from './api-route-table.js';
import { OpenApiController } from './openapi.controller.js';
import { UnservedMethodMiddleware } from './unserved-method.middleware.js';

/**
 * GET /v1/openapi.json: the API's OpenAPI 3.1 document, generated from the routes themselves;
 * and the methods each path answers, for the 405s of the exception filter (also for a method the
 * router would hand to a templated path beside a concrete one).
 */
@Module({
  controllers: [OpenApiController],
  providers: [ApiRouteTable, { provide: ALLOWED_METHODS, useExisting: ApiRouteTable }],
})
export class OpenApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(UnservedMethodMiddleware).forRoutes('*path');
  }
}
