import { describe, expect, it } from '@jest/globals';
import { WebexSiteNotAllowedError } from './errors.js';
import { allowedWebexSite } from './site-url.js';

const context = { userId: '108234567890123456789', source: 'directory' as const };

describe('allowedWebexSite', () => {
  it.each([
    ['acme.webex.com', 'acme.webex.com'],
    ['https://acme.webex.com/', 'acme.webex.com'],
    ['HTTPS://Acme.Webex.com', 'acme.webex.com'],
    ['  acme-eu.webex.com ', 'acme-eu.webex.com'],
    ['acme.webex.com#host', 'acme.webex.com'],
  ])('accepts %p as %p', (raw, expected) => {
    expect(allowedWebexSite(raw, context)).toBe(expected);
  });

  it.each([
    'evil.example.com',
    'acme.webex.com.evil.example',
    'acme.webex.com:8443',
    'https://acme.webex.com/path',
    'user@acme.webex.com',
    'http://169.254.169.254/latest/meta-data',
    'webex.com',
    '-acme.webex.com',
    'acme.webex.com/../x',
    '',
  ])('refuses %p with a typed error naming the user and source', (raw) => {
    let caught: unknown;
    try {
      allowedWebexSite(raw, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebexSiteNotAllowedError);
    expect(caught).toMatchObject({ userId: context.userId, source: 'directory' });
  });
});
