import { Controller, Get, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { ApiAnswer } from './openapi.decorators.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
import { GATEWAY_API_VERSION } from './openapi-version.js';

/** The document of the API this process serves, built from its own controllers once it is up. */
@Controller('v1')
export class OpenApiController implements OnApplicationBootstrap {
  private document: OpenApiDocument | undefined;

  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    const controllers = new Set<Type>();
    for (const module of this.modules.values())
      for (const wrapper of module.controllers.values()) controllers.add(wrapper.metatype as Type);
    this.document = buildOpenApiDocument([...controllers], { version: GATEWAY_API_VERSION });
  }

  /** Public: describes the API, reveals nothing of any user. */
  @Get('openapi.json')
  @ApiAnswer({ description: 'This OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) })
  openApi(): OpenApiDocument | undefined {
    return this.document;
  }
}
