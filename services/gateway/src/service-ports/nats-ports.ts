import { Inject, Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import type { JetStreamClient } from '@scheduler/bus';
import {
  ExchangeGoogleAuthorizationCode,
  ExchangeWebexAuthorizationCode,
  ReadCalendarEvent,
} from '@scheduler/contracts';
import { BUS_CLIENT } from '@scheduler/runtime';
import {
  CalendarAccountNotConnectedError,
  type CalendarEventDetails,
  type CalendarEventQuery,
  type CalendarEventReader,
} from '../meetings/calendar-event-reader.js';
import type {
  AuthorizationCodeHandoff,
  GoogleAuthorizationCodeExchange,
  WebexAuthorizationCodeExchange,
} from '../oauth/authorization-code-handoff.js';

/** Reads calendar events through google-ingest, which holds the Google tokens (ReadCalendarEvent). */
@Injectable()
export class NatsCalendarEventReader implements CalendarEventReader {
  constructor(@Inject(BUS_CLIENT) private readonly bus: JetStreamClient) {}

  async read(query: CalendarEventQuery): Promise<CalendarEventDetails | undefined> {
    const response = ReadCalendarEvent.parseResponse(
      await firstValueFrom(this.bus.send(ReadCalendarEvent, query)),
    );
    switch (response.outcome) {
      case 'found': {
        const { invitees, ...details } = response.event;
        return { ...details, attendees: invitees };
      }
      case 'not-found':
        return undefined;
      case 'account-unavailable':
        throw new CalendarAccountNotConnectedError(query.tenantId, query.userId);
    }
  }
}

/** Hands OAuth codes to the services that own those tokens, over their command contracts. */
@Injectable()
export class NatsAuthorizationCodeHandoff implements AuthorizationCodeHandoff {
  constructor(@Inject(BUS_CLIENT) private readonly bus: JetStreamClient) {}

  async google(request: GoogleAuthorizationCodeExchange): Promise<void> {
    ExchangeGoogleAuthorizationCode.parseResponse(
      await firstValueFrom(this.bus.send(ExchangeGoogleAuthorizationCode, request)),
    );
  }

  async webex(request: WebexAuthorizationCodeExchange): Promise<void> {
    ExchangeWebexAuthorizationCode.parseResponse(
      await firstValueFrom(this.bus.send(ExchangeWebexAuthorizationCode, request)),
    );
  }
}
