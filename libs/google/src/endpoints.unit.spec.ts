import { describe, expect, it } from '@jest/globals';
import { googleEndpoints, productionGoogleEndpoints } from './endpoints.js';

describe('googleEndpoints', () => {
  it("is Google's own without a base URL", () => {
    expect(googleEndpoints(undefined)).toBe(productionGoogleEndpoints);
  });

  it('puts every production path behind the base URL', () => {
    expect(googleEndpoints('http://127.0.0.1:4010')).toEqual({
      calendarRootUrl: 'http://127.0.0.1:4010/',
      directoryRootUrl: 'http://127.0.0.1:4010/',
      gmailRootUrl: 'http://127.0.0.1:4010/',
      oauth2AuthBaseUrl: 'http://127.0.0.1:4010/o/oauth2/v2/auth',
      oauth2TokenUrl: 'http://127.0.0.1:4010/token',
      oauth2RevokeUrl: 'http://127.0.0.1:4010/revoke',
      oauth2FederatedSignonPemCertsUrl: 'http://127.0.0.1:4010/oauth2/v1/certs',
      oauth2FederatedSignonJwkCertsUrl: 'http://127.0.0.1:4010/oauth2/v3/certs',
    });
  });

  it("keeps the base URL's own path and ignores a trailing slash", () => {
    const endpoints = googleEndpoints('https://egress.example/google/');
    expect(endpoints.calendarRootUrl).toBe('https://egress.example/google/');
    expect(endpoints.oauth2TokenUrl).toBe('https://egress.example/google/token');
  });
});
