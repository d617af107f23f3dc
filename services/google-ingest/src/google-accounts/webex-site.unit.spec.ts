import { describe, expect, it } from '@jest/globals';
import { directorySite } from './webex-site.js';

describe('directorySite: the directory value against the Webex site allow-list', () => {
  it.each([
    ['https://acme.webex.com', 'acme.webex.com'],
    ['https://acme.webex.com/', 'acme.webex.com'],
    ['acme.webex.com', 'acme.webex.com'],
    ['  HTTPS://Acme.Webex.com  ', 'acme.webex.com'],
  ])('resolves %j to %j', (value, siteUrl) => {
    expect(directorySite(value)).toEqual({ outcome: 'resolved', siteUrl });
  });

  it.each([
    'https://evil.example/',
    'http://acme.webex.com',
    'https://acme.webex.com/path',
    'https://acme.webex.com:8443',
    'https://user@acme.webex.com',
    'https://acme.webex.com.evil.example',
    'https://169.254.169.254/',
    'acme.webex.co',
    'webex.com',
    'https://-acme.webex.com',
  ])('ignores %j', (value) => {
    expect(directorySite(value)).toMatchObject({ outcome: 'ignored' });
  });

  it.each([undefined, '', '   '])('has none for %j', (value) => {
    expect(directorySite(value)).toEqual({ outcome: 'none' });
  });
});
