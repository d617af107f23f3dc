import { createHmac, type KeyObject, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KeyEncryptionKeyRing } from '@scheduler/crypto-shredding';

const PURPOSE = 'google-calendar-watch-channel-ids';
const UUID_LENGTH = 36;
const MAC_BYTES = 16;
// uuid, '_', 16 bytes of base64url: 59 characters, inside Google's 64 (letters, digits, -_+/=).
const CHANNEL_ID = /^[0-9a-f-]{36}_[A-Za-z0-9_-]{22}$/;

/**
 * Ids of our push channels that prove themselves: a random UUID and an HMAC of it under a key
 * derived from the deployment's key-encryption keys. A notification for an id we never issued
 * is refused from the id alone, before any database read, so a flood of made-up channels costs
 * an HMAC each; every replica checks the same way without sharing any state.
 */
export class ChannelIds {
  private constructor(
    private readonly signing: KeyObject,
    /** Every key an id may have been issued under: the primary's and those retired by rotation. */
    private readonly accepted: readonly KeyObject[],
  ) {}

  static fromKeyRing(ring: KeyEncryptionKeyRing): ChannelIds {
    return new ChannelIds(
      ring.derivedKey(PURPOSE)!,
      ring.keyIds.map((keyId) => ring.derivedKey(PURPOSE, keyId)!),
    );
  }

  issue(): string {
    const random = randomUUID();
    return `${random}_${mac(this.signing, random).toString('base64url')}`;
  }

  /** Whether we issued the id (under any key of the ring), in constant time per key. */
  isOurs(channelId: string): boolean {
    if (!CHANNEL_ID.test(channelId)) return false;
    const random = channelId.slice(0, UUID_LENGTH);
    // Compared as text: base64url's last character has spare bits, so decoding would accept
    // several spellings of one MAC.
    const presented = Buffer.from(channelId.slice(UUID_LENGTH + 1), 'utf8');
    return this.accepted.some((key) => {
      const expected = Buffer.from(mac(key, random).toString('base64url'), 'utf8');
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    });
  }
}

const mac = (key: KeyObject, random: string) =>
  createHmac('sha256', key).update(random, 'utf8').digest().subarray(0, MAC_BYTES);
