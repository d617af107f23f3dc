import { describe, expect, it } from '@jest/globals';
import { parseNatsServerVersion, supportsSyncInterval } from './nats-server-binary.js';
import { natsServerConfig } from './nats-server.js';

describe('nats-server version and config', () => {
  it('reads the version that nats-server --version prints', () => {
    expect(parseNatsServerVersion('nats-server: v2.15.3')).toEqual({
      major: 2,
      minor: 15,
      patch: 3,
      text: '2.15.3',
    });
    expect(parseNatsServerVersion('nats-server: v2.9.10\n')?.text).toBe('2.9.10');
    expect(parseNatsServerVersion('command not found')).toBeUndefined();
  });

  it('sync_interval exists from 2.10 on', () => {
    const at = (text: string) => supportsSyncInterval(parseNatsServerVersion(text)!);
    expect(at('v2.9.10')).toBe(false);
    expect(at('v2.10.0')).toBe(true);
    expect(at('v2.15.3')).toBe(true);
    expect(at('v3.0.0')).toBe(true);
  });

  it('writes sync_interval: always only when asked', () => {
    expect(natsServerConfig({ storeDir: '/data/js', maxFileStore: '1T', syncAlways: true })).toBe(
      'jetstream {\n  store_dir: "/data/js"\n  max_file_store: 1T\n  sync_interval: always\n}\n',
    );
    expect(natsServerConfig({ storeDir: '/data/js', syncAlways: false })).toBe(
      'jetstream {\n  store_dir: "/data/js"\n}\n',
    );
  });

  it('adds the users, and maps anonymous clients to one of them only when asked', () => {
    const users = [
      {
        user: 'gateway',
        password: 'pw"1',
        permissions: { publish: ['cmd.a.b'], subscribe: [], allowResponses: false },
      },
      { user: 'harness', password: { environmentVariable: 'HARNESS_PASSWORD' } },
    ];
    const config = natsServerConfig({ storeDir: '/data/js', syncAlways: false, users });
    expect(config).toContain('authorization {');
    expect(config).toContain('password: "pw\\"1"');
    expect(config).toContain('password: $HARNESS_PASSWORD');
    // An empty allow list would allow everything.
    expect(config).toContain('subscribe: { deny: [">"] }');
    expect(config).not.toContain('no_auth_user');
    expect(
      natsServerConfig({ storeDir: '/data/js', syncAlways: false, users, anonymousAs: 'harness' }),
    ).toContain('no_auth_user: "harness"');
    expect(() =>
      natsServerConfig({ storeDir: '/d', syncAlways: false, users, anonymousAs: 'nobody' }),
    ).toThrow(/not one of the users/);
  });
});
