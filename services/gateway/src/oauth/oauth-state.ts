import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import { InvalidOAuthStateError } from '../api-errors/api-errors.js';

export type OAuthProvider = 'google' | 'webex';

const StatePayload = z.strictObject({
  v: z.literal(1),
  provider: z.enum(['google', 'webex']),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  /** Epoch seconds. */
  expiresAt: z.number().int().positive(),
  userId: primitives.UserId.optional(),
  tenantId: primitives.TenantId.optional(),
  returnTo: z.url().max(2048).optional(),
});
export type OAuthState = z.infer<typeof StatePayload>;

export interface OAuthStateSignerOptions {
  /** Default 600 s: long enough to consent, short enough that a leaked URL soon stops working. */
  readonly lifetimeSeconds?: number;
  readonly now?: () => number;
}

const MINIMUM_SECRET_BYTES = 32;
const MAXIMUM_STATE_LENGTH = 4096;
// Domain separation: a MAC made for anything else with the same secret never verifies as a state.
const MAC_CONTEXT = 'scheduler/oauth-state/v1.';

/**
 * The OAuth `state` parameter: `base64url(JSON payload).base64url(HMAC-SHA256)`. It carries the
 * provider, a random nonce, an expiry and, when known, the user and tenant and where to send
 * the browser back. It is verified in constant time before anything else happens at a callback.
 */
export class OAuthStateSigner {
  private readonly secret: Buffer;
  readonly lifetimeSeconds: number;
  private readonly now: () => number;

  constructor(secret: string | Buffer, options: OAuthStateSignerOptions = {}) {
    this.secret = Buffer.isBuffer(secret) ? Buffer.from(secret) : Buffer.from(secret, 'utf8');
    if (this.secret.length < MINIMUM_SECRET_BYTES)
      throw new RangeError(`the OAuth state secret must be at least ${MINIMUM_SECRET_BYTES} bytes`);
    this.lifetimeSeconds = options.lifetimeSeconds ?? 600;
    this.now = options.now ?? Date.now;
  }

  sign(input: { provider: OAuthProvider; userId?: string; tenantId?: string; returnTo?: string }): string {
    return this.issue(input).state;
  }

  /** A signed state and the payload it carries (its nonce names the flow at the callback). */
  issue(input: { provider: OAuthProvider; userId?: string; tenantId?: string; returnTo?: string }): {
    state: string;
    payload: OAuthState;
  } {
    const payload: OAuthState = StatePayload.parse({
      v: 1,
      provider: input.provider,
      nonce: randomBytes(18).toString('base64url'),
      expiresAt: Math.floor(this.now() / 1000) + this.lifetimeSeconds,
      ...(input.userId !== undefined ? { userId: input.userId } : {}),
      ...(input.tenantId !== undefined ? { tenantId: input.tenantId } : {}),
      ...(input.returnTo !== undefined ? { returnTo: input.returnTo } : {}),
    });
    const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return { state: `${encoded}.${this.mac(encoded).toString('base64url')}`, payload };
  }

  /** The payload of a state we signed for `provider` that has not expired; otherwise InvalidOAuthStateError. */
  verify(state: unknown, provider: OAuthProvider): OAuthState {
    if (typeof state !== 'string' || state.length === 0) throw new InvalidOAuthStateError('missing');
    if (state.length > MAXIMUM_STATE_LENGTH) throw new InvalidOAuthStateError('malformed');
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(state);
    if (!match) throw new InvalidOAuthStateError('malformed');
    const [, encoded, signature] = match as unknown as [string, string, string];
    const expected = this.mac(encoded);
    const given = Buffer.from(signature, 'base64url');
    // The length check leaks only the length, which is public (SHA-256 is always 32 bytes).
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new InvalidOAuthStateError('bad_signature');
    let payload: OAuthState;
    try {
      payload = StatePayload.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
    } catch {
      // Signed by us but unreadable: only a secret shared with something else could do that.
      throw new InvalidOAuthStateError('malformed');
    }
    if (payload.expiresAt * 1000 <= this.now()) throw new InvalidOAuthStateError('expired');
    if (payload.provider !== provider) throw new InvalidOAuthStateError('wrong_provider');
    return payload;
  }

  private mac(encodedPayload: string): Buffer {
    return createHmac('sha256', this.secret).update(MAC_CONTEXT).update(encodedPayload).digest();
  }
}
