import { describe, expect, it } from '@jest/globals';
import { googleScopes, missingGoogleScopes } from './oauth.js';

const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;

describe('missingGoogleScopes', () => {
  it('names nothing when every scope was granted', () => {
    expect(missingGoogleScopes([...googleScopes])).toEqual([]);
  });

  it('names the scopes a consent left unticked', () => {
    const granted = googleScopes.filter((name) => name !== scope('gmail.addons.current.message.metadata'));
    expect(missingGoogleScopes(granted)).toEqual([scope('gmail.addons.current.message.metadata')]);
  });

  it('counts a broader grant, and Google’s URL spellings of email and profile', () => {
    expect(
      missingGoogleScopes([
        'openid',
        scope('userinfo.email'),
        scope('userinfo.profile'),
        scope('calendar'),
        scope('admin.directory.user'),
        scope('gmail.addons.current.message.metadata'),
      ]),
    ).toEqual([]);
    expect(missingGoogleScopes(['openid', 'email'])).toEqual(
      googleScopes.filter((name) => !['openid', 'email'].includes(name)),
    );
  });
});
