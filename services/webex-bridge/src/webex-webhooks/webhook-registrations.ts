import { randomBytes } from 'node:crypto';
import { isSealedValue, userSubject, type SealedValue, type SecretBox } from '@scheduler/crypto-shredding';
import type { WebexClient } from '@scheduler/webex';
import type { StoredWebhookRegistration, WebexWebhooksRepository } from './webex-webhooks.repository.js';

/** Where Webex posts the meetings notifications, below the public webhook base URL. */
export const meetingsWebhookPath = '/webhooks/webex/meetings';

/** The name our webhooks carry in Webex (what a person sees listing them). */
export const meetingsWebhookName = 'Scheduler: meetings';

/**
 * The events we act on, one webhook each: Webex's webhook API takes one event per webhook, and
 * `created`/`started` would only cost deliveries.
 */
export const meetingsWebhookEvents = ['updated', 'deleted', 'ended'] as const;

/** Bound into the sealed value's associated data: no other sealed value can pass for a secret. */
const SECRET_CONTEXT = 'webex-webhook-secret';

export type RegistrationOutcome = 'registered' | 'already-registered';

export interface WebhookRegistrationsOptions {
  readonly repository: WebexWebhooksRepository;
  readonly secretBox: SecretBox;
  /** The Webex client acting as the user; throws ReauthorizationRequired when none can be made. */
  readonly webexClientFor: (userId: string) => Promise<WebexClient>;
  /** `<public webhook base URL>/webhooks/webex/meetings`. */
  readonly targetUrl: string;
  readonly newSecret?: () => string;
}

/**
 * Each connected user's Webex meetings webhooks (resource `meetings`, one per event of
 * meetingsWebhookEvents), all signed with a random secret of the user's, kept sealed under the
 * user's subject. Registering is idempotent: Webex's list is the truth of what exists, so a
 * webhook that is missing, disabled or unknown to us is replaced, and duplicates pointing at our
 * target are removed.
 */
export class WebhookRegistrations {
  private readonly newSecret: () => string;

  constructor(private readonly options: WebhookRegistrationsOptions) {
    this.newSecret = options.newSecret ?? (() => randomBytes(32).toString('base64url'));
  }

  get targetUrl(): string {
    return this.options.targetUrl;
  }

  register(userId: string): Promise<RegistrationOutcome> {
    return this.options.repository.withRegistrationLock(userId, (locked) =>
      this.registerLocked(userId, locked),
    );
  }

  /**
   * The user disconnected: the webhooks are deleted in Webex when the authorization still works
   * (a dead one cannot delete anything; the next connect replaces them), and the secret is
   * forgotten, so later notifications of the user are ignored.
   */
  deregister(userId: string): Promise<'deleted' | 'forgotten'> {
    return this.options.repository.withRegistrationLock(userId, (locked) =>
      this.deregisterLocked(userId, locked),
    );
  }

  private async registerLocked(
    userId: string,
    repository: WebexWebhooksRepository,
  ): Promise<RegistrationOutcome> {
    let stored = await repository.ensureSecret(userId, await this.seal(userId, this.newSecret()));
    let secret = await this.openSecret(stored);
    if (secret === undefined) {
      // Unreadable (tampered with): a fresh secret, and fresh webhooks below.
      secret = this.newSecret();
      await repository.replaceSecret(userId, await this.seal(userId, secret));
      stored = { ...stored, webhookIds: {} };
    }
    const client = await this.options.webexClientFor(userId);
    const ours = (await client.listWebhooks()).filter(
      (webhook) => webhook.targetUrl === this.options.targetUrl && webhook.resource === 'meetings',
    );
    const kept = new Set(
      ours.filter(
        (webhook) =>
          stored.webhookIds[webhook.event] === webhook.id &&
          (webhook.status === undefined || webhook.status === 'active'),
      ),
    );
    for (const webhook of ours) if (!kept.has(webhook)) await client.deleteWebhook(webhook.id);
    const keptEvents = new Set([...kept].map((webhook) => webhook.event));
    const missing = meetingsWebhookEvents.filter((event) => !keptEvents.has(event));
    for (const event of missing) {
      const created = await client.createWebhook({
        name: meetingsWebhookName,
        targetUrl: this.options.targetUrl,
        resource: 'meetings',
        event,
        secret,
      });
      await repository.saveWebhookId(userId, event, created.id);
    }
    return missing.length === 0 ? 'already-registered' : 'registered';
  }

  private async deregisterLocked(
    userId: string,
    repository: WebexWebhooksRepository,
  ): Promise<'deleted' | 'forgotten'> {
    const webhookIds = Object.values((await repository.registration(userId))?.webhookIds ?? {});
    let deleted = false;
    if (webhookIds.length > 0) {
      try {
        const client = await this.options.webexClientFor(userId);
        for (const webhookId of webhookIds) await client.deleteWebhook(webhookId);
        deleted = true;
      } catch {
        // Nothing to act with: forgetting the secret is what stops us acting on its notifications.
      }
    }
    await repository.deleteRegistration(userId);
    return deleted ? 'deleted' : 'forgotten';
  }

  /** The secret of the user whose webhook this is; undefined for a webhook we do not know. */
  async secretOfWebhook(webhookId: string): Promise<{ userId: string; secret: string } | undefined> {
    const stored = await this.options.repository.registrationByWebhook(webhookId);
    if (!stored) return undefined;
    const secret = await this.openSecret(stored);
    return secret === undefined ? undefined : { userId: stored.userId, secret };
  }

  private seal(userId: string, secret: string): Promise<SealedValue> {
    return this.options.secretBox.seal(userSubject(userId), secret, SECRET_CONTEXT);
  }

  private async openSecret(stored: StoredWebhookRegistration): Promise<string | undefined> {
    const sealed = stored.sealedSecret;
    if (!isSealedValue(sealed) || sealed.subject !== userSubject(stored.userId)) return undefined;
    const opened = await this.options.secretBox.open(sealed, SECRET_CONTEXT);
    return opened.outcome === 'opened' ? opened.plaintext.toString('utf8') : undefined;
  }
}
