import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA1 of the raw body keyed with the webhook secret, as Webex sends in X-Spark-Signature. */
export function webexSignature(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha1', secret).update(rawBody).digest('hex');
}

/**
 * Checks X-Spark-Signature over the exact bytes received (never a re-serialised object), in
 * constant time.
 */
export function verifyWebexSignature(
  rawBody: string | Buffer,
  signatureHeader: string | undefined | null,
  secret: string,
): boolean {
  if (!signatureHeader || !/^[0-9a-f]{40}$/i.test(signatureHeader.trim())) return false;
  const expected = Buffer.from(webexSignature(rawBody, secret), 'hex');
  const received = Buffer.from(signatureHeader.trim().toLowerCase(), 'hex');
  return expected.length === received.length && timingSafeEqual(expected, received);
}
