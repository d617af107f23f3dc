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
});
