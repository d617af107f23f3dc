import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { ApiRouteTable } from './api-route-table.js';
import { ApiAnswer } from './openapi.decorators.js';
import type { OpenApiDocument } from './openapi-document.js';

/** The document of the API this process serves. */
@Controller('v1')
export class OpenApiController {
  constructor(private readonly routes: ApiRouteTable) {}

  /** Public: describes the API, reveals nothing of any user. */
  @Get('openapi.json')
  @ApiAnswer({ description: 'This OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) })
  openApi(): OpenApiDocument | undefined {
    return this.routes.document;
  }
}
