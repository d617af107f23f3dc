import { Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { AllowedMethods } from '../api-errors/api-exception.filter.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
import { GATEWAY_API_VERSION } from './openapi-version.js';

/**
 * The API's routes as this process serves them: its OpenAPI document, built from its own
 * controllers once the application is up, and the methods each path answers.
 */
@Injectable()
export class ApiRouteTable implements OnApplicationBootstrap, AllowedMethods {
  private built: OpenApiDocument | undefined;
  private paths: ReadonlyArray<{ pattern: RegExp; methods: readonly string[] }> = [];

  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    const controllers = new Set<Type>();
    for (const module of this.modules.values())
      for (const wrapper of module.controllers.values()) controllers.add(wrapper.metatype as Type);
    this.built = buildOpenApiDocument([...controllers], { version: GATEWAY_API_VERSION });
    // OpenAPI matches concrete paths before templated ones: /v1/meetings/from-gmail is not
    // /v1/meetings/{id}.
    const concreteFirst = Object.entries(this.built.paths).sort(
      ([a], [b]) => templatedSegments(a) - templatedSegments(b),
    );
    this.paths = concreteFirst.map(([path, operations]) => {
      const methods = Object.keys(operations).map((method) => method.toUpperCase());
      return {
        pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
        // Express answers HEAD for every GET route.
        methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods,
      };
    });
  }

  get document(): OpenApiDocument | undefined {
    return this.built;
  }

  allowedMethods(path: string): readonly string[] {
    return this.paths.find((known) => known.pattern.test(path))?.methods ?? [];
  }
}

function templatedSegments(path: string): number {
  return (path.match(/\{[^}]+\}/g) ?? []).length;
}
