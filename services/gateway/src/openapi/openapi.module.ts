import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller.js';

/** GET /v1/openapi.json: the API's OpenAPI 3.1 document, generated from the routes themselves. */
@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}
