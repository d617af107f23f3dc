import type { RotationReport } from '@scheduler/crypto-shredding';
import { keyEncryptionKeysOf } from '@scheduler/runtime';
import { type CliIo, writeLine } from '../io.js';
import { using } from '../resources.js';
import { personalDataSettings } from '../settings.js';

/**
 * `keys rotate`: re-wraps every data key under the primary key-encryption key
 * (SubjectKeys.rotate). The operator first makes the new key primary (KEY_ENCRYPTION_KEY) and
 * lists the old one in KEY_ENCRYPTION_KEYS_PREVIOUS, for the services as for this command.
 * Resumable: an interrupted run leaves the rest wrapped by the old key, and the next run
 * re-wraps only those. Once it reports nothing left, the old key can leave
 * KEY_ENCRYPTION_KEYS_PREVIOUS.
 */
export async function keysRotate(io: CliIo, options: { batchSize?: number }): Promise<RotationReport> {
  const settings = personalDataSettings(io.environment);
  const primary = keyEncryptionKeysOf(settings).primaryKeyId;
  return using(async (resources) => {
    const { keys } = resources.personalData(settings);
    const started = performance.now();
    const report = await keys.rotate({
      batchSize: options.batchSize ?? 500,
      onProgress: ({ rewrapped, skipped }) => {
        if (io.stderr.isTTY) io.stderr.write(`\rre-wrapped ${rewrapped} data keys (${skipped} skipped)…`);
      },
    });
    if (io.stderr.isTTY) io.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    writeLine(
      io.stdout,
      `re-wrapped ${report.rewrapped} data keys under ${primary} in ${seconds.toFixed(2)} s` +
        ` (${report.skipped} skipped: forgotten or re-wrapped by another process meanwhile)`,
    );
    return report;
  });
}
