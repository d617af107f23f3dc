import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  ContractViolationError,
  DirectoryWebexSiteChanged,
  ExchangeWebexAuthorizationCode,
  type EventOf,
} from '@scheduler/contracts';
import { ConnectWebexAccount } from './connect-webex-account.js';
import { WebexSiteNotAllowedError } from './errors.js';

/**
 * The Webex account's bus handlers, in the service's default handler group. Whatever the event
 * handler throws is transient (nak, redelivery, dead letter after the max deliveries), except
 * the one permanent refusal: a directory site outside the allow-list, or a malformed one, is
 * logged and acknowledged, because retrying cannot change it.
 */
@Controller()
export class WebexAccountsHandlers {
  private readonly logger = new Logger(WebexAccountsHandlers.name);

  constructor(@Inject(ConnectWebexAccount) private readonly accounts: ConnectWebexAccount) {}

  /** cmd.webex-bridge.exchange-authorization-code, sent by the gateway's OAuth callback. */
  @OnCommand(ExchangeWebexAuthorizationCode)
  exchangeAuthorizationCode(@Payload() request: unknown) {
    return this.accounts.handle(request);
  }

  /**
   * The site an administrator set in the user's Google Directory entry (google-ingest): it wins
   * over the Webex account's default, and is recorded as WebexSiteResolved{directory} when news.
   */
  @OnEvent(DirectoryWebexSiteChanged)
  async directoryWebexSiteChanged(
    @Payload() event: EventOf<typeof DirectoryWebexSiteChanged>,
  ): Promise<void> {
    const { userId, siteUrl } = event.data;
    try {
      const outcome = await this.accounts.recordDirectorySite(userId, siteUrl, event);
      this.logger.debug(`directory site for user ${userId}: ${outcome} (event ${event.id})`);
    } catch (error) {
      if (error instanceof WebexSiteNotAllowedError || error instanceof ContractViolationError) {
        this.logger.warn(`directory site refused for user ${userId} (event ${event.id}): ${error.name}`);
        return;
      }
      throw error;
    }
  }
}
