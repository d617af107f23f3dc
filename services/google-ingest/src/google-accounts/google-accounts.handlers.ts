import { Controller, Logger } from '@nestjs/common';
import { Payload, RpcException } from '@nestjs/microservices';
import { OnCommand } from '@scheduler/bus';
import { ExchangeGoogleAuthorizationCode } from '@scheduler/contracts';
import { ConnectGoogleAccount } from './connect-google-account.js';
import { GoogleConnectionRejectedError } from './errors.js';

/** The account commands on the bus (transport only: the flow is ConnectGoogleAccount's). */
@Controller()
export class GoogleAccountsHandlers {
  private readonly logger = new Logger('GoogleAccountsHandlers');

  constructor(private readonly connector: ConnectGoogleAccount) {}

  /**
   * The gateway hands over the OAuth code of a consent. A refusal is answered as an error that
   * names its reason (its message holds no personal data or token); anything else is Nest's
   * opaque "Internal server error".
   */
  @OnCommand(ExchangeGoogleAuthorizationCode)
  async exchangeAuthorizationCode(@Payload() request: unknown) {
    try {
      return await this.connector.handle(request);
    } catch (error) {
      if (error instanceof GoogleConnectionRejectedError) {
        this.logger.warn(
          { reason: error.reason, correlationId: error.correlationId },
          'Google connection rejected',
        );
        throw new RpcException({ name: error.name, reason: error.reason, message: error.message });
      }
      throw error;
    }
  }
}
