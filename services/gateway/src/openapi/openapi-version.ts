/** The API's version in its OpenAPI document: the major is the path's /v1. */
export const GATEWAY_API_VERSION = '1.0.0';
