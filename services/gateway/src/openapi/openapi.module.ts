import { Module } from '@nestjs/common';
import { ALLOWED_METHODS } from '../api-errors/api-exception.filter.js';
import { ApiRouteTable } from './api-route-table.js';
import { OpenApiController } from './openapi.controller.js';

/**
 * GET /v1/openapi.json: the API's OpenAPI 3.1 document, generated from the routes themselves;
 * and the methods each path answers, for the 405s of the exception filter.
 */
@Module({
  controllers: [OpenApiController],
  providers: [ApiRouteTable, { provide: ALLOWED_METHODS, useExisting: ApiRouteTable }],
})
export class OpenApiModule {}
