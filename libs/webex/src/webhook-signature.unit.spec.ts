import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { verifyWebexSignature, webexSignature } from './webhook-signature.js';

describe('X-Spark-Signature', () => {
  const body = '{"id":"webhook","resource":"meetings","event":"ended","data":{"id":"abc_I_1"}}';
  const secret = 'webhook-secret';
  const signature = createHmac('sha1', secret).update(body).digest('hex');

  it('is the hex HMAC-SHA1 of the raw body', () => {
    expect(webexSignature(body, secret)).toBe(signature);
  });

  it('accepts the right signature over the exact bytes, in either hex case', () => {
    expect(verifyWebexSignature(body, signature, secret)).toBe(true);
    expect(verifyWebexSignature(Buffer.from(body), signature.toUpperCase(), secret)).toBe(true);
  });

  it('rejects a changed body, a wrong secret, a re-serialised body, and missing or malformed headers', () => {
    expect(verifyWebexSignature(body.replace('ended', 'started'), signature, secret)).toBe(false);
    expect(verifyWebexSignature(body, signature, 'other-secret')).toBe(false);
    expect(verifyWebexSignature(JSON.stringify(JSON.parse(body), null, 1), signature, secret)).toBe(false);
    for (const header of [undefined, null, '', 'sha1=' + signature, signature.slice(2), 'z'.repeat(40)])
      expect(verifyWebexSignature(body, header, secret)).toBe(false);
  });
});
