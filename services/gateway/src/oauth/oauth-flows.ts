import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { type DocumentCollection, type ProjectionStore, VersionConflictError } from '@scheduler/read-models';
import { InvalidOAuthStateError } from '../api-errors/api-errors.js';
import { READ_MODEL_STORE } from '../read-models/read-model-store.module.js';
import type { OAuthProvider, OAuthState } from './oauth-state.js';

/**
 * A connection in progress, from its start to its callback: the PKCE verifier (it never leaves
 * the gateway's side, not even to the browser), a digest of the browser's flow cookie, and the
 * signed-in user's Google email (the Webex account must be theirs; kept here rather than in the
 * state, which travels in URLs). Deleted when the callback uses it: a state works once.
 */
export const OAuthFlow = z.strictObject({
  provider: z.enum(['google', 'webex']),
  codeVerifier: z.string(),
  /** SHA-256 (hex) of the flow cookie's value. */
  browserBinding: z.string(),
  googleEmail: z.string().optional(),
  /** Epoch milliseconds: the state's expiry. */
  expiresAt: z.number(),
});
export type OAuthFlow = z.infer<typeof OAuthFlow>;

export const oauthFlowsCollection = {
  name: 'oauth_flows',
  indexes: { expiresAt: 'number' },
  schema: OAuthFlow,
} as const;

/** The flow cookie of a provider: one flow per provider and browser at a time. */
export const flowCookieName = (provider: OAuthProvider) => `scheduler_oauth_${provider}`;

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
// The flow's id: a digest of the state's nonce, so the store holds nothing a callback URL carries.
const flowIdOf = (provider: OAuthProvider, nonce: string) => digest(`${provider}.${nonce}`);

/** PKCE S256 (RFC 7636 §4.2): base64url(SHA-256(ASCII(verifier))). */
export const codeChallengeOf = (verifier: string) =>
  createHash('sha256').update(verifier, 'ascii').digest('base64url');

// Expired flows (abandoned consents) are removed a few at a time, as new flows start.
const PURGE_BATCH = 50;

/**
 * Pending OAuth flows in the gateway's read-model store, shared by every replica. Starting writes
 * one (insert-if-absent); the callback deletes it at the version it read, so of two callbacks
 * with the same state only one proceeds.
 */
@Injectable()
export class OAuthFlows implements OnModuleInit {
  private readonly logger = new Logger('OAuthFlows');
  private collection: DocumentCollection<OAuthFlow> | undefined;

  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ProjectionStore,
    private readonly now: () => number = Date.now,
  ) {}

  async onModuleInit(): Promise<void> {
    this.collection = await this.store.collection(oauthFlowsCollection);
  }

  /**
   * Records the flow of a freshly signed state. Returns the flow cookie's value (random, for the
   * browser only) and the PKCE challenge to send to the provider.
   */
  async begin(
    state: OAuthState,
    options: { googleEmail?: string } = {},
  ): Promise<{ cookieValue: string; codeChallenge: string }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(48).toString('base64url'); // 64 characters, within 43..128
    await this.flows().upsert(
      flowIdOf(state.provider, state.nonce),
      {
        provider: state.provider,
        codeVerifier,
        browserBinding: digest(cookieValue),
        ...(options.googleEmail !== undefined ? { googleEmail: options.googleEmail.toLowerCase() } : {}),
        expiresAt: state.expiresAt * 1000,
      },
      { expectedVersion: 'absent' },
    );
    void this.purgeExpired();
    return { cookieValue, codeChallenge: codeChallengeOf(codeVerifier) };
  }

  /**
   * Takes the flow of a verified state, once: InvalidOAuthStateError `replayed` when it was used
   * (or never recorded), `browser_mismatch` when the callback's browser lacks the flow's cookie.
   * A mismatch leaves the flow for its own browser.
   */
  async complete(state: OAuthState, cookieValue: string | undefined): Promise<OAuthFlow> {
    const id = flowIdOf(state.provider, state.nonce);
    const stored = await this.flows().get(id);
    if (!stored || stored.document.provider !== state.provider) throw new InvalidOAuthStateError('replayed');
    const expected = Buffer.from(stored.document.browserBinding, 'hex');
    const given = Buffer.from(digest(cookieValue ?? ''), 'hex');
    if (cookieValue === undefined || !timingSafeEqual(expected, given))
      throw new InvalidOAuthStateError('browser_mismatch');
    try {
      if (!(await this.flows().delete(id, { expectedVersion: stored.version })))
        throw new InvalidOAuthStateError('replayed');
    } catch (error) {
      if (error instanceof VersionConflictError) throw new InvalidOAuthStateError('replayed');
      throw error;
    }
    return stored.document;
  }

  private async purgeExpired(): Promise<void> {
    try {
      const expired = await this.flows().find({
        where: { expiresAt: { lt: this.now() } },
        limit: PURGE_BATCH,
      });
      for (const flow of expired) await this.flows().delete(flow.id, { expectedVersion: flow.version });
    } catch (error) {
      // Another replica may have removed them first; the next start tries again.
      this.logger.debug(`purging expired OAuth flows: ${error instanceof Error ? error.name : 'unknown'}`);
    }
  }

  private flows(): DocumentCollection<OAuthFlow> {
    if (!this.collection) throw new Error('the OAuth flows are not initialised yet');
    return this.collection;
  }
}
