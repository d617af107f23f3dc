import type { OAuth2Client } from 'google-auth-library';
import { gmail, type gmail_v1 } from 'googleapis/build/src/apis/gmail/index.js';
import { z } from 'zod';
import { GoogleCallRunner, type GoogleResilienceOptions } from './call-runner.js';
import { markAccessTokenStale } from './oauth.js';
import { GoogleResponseInvalid } from './errors.js';

export interface GoogleGmailClientOptions {
  auth: OAuth2Client;
  /** GoogleEndpoints.gmailRootUrl (googleapis appends "gmail/v1/..."). */
  rootUrl: string;
  /** Names the account in errors. */
  account?: string;
  resilience?: GoogleResilienceOptions;
  runner?: GoogleCallRunner;
}

/** The headers read from a message: nothing else of it (never the body). */
export const MESSAGE_METADATA_HEADERS = ['Subject', 'From', 'To', 'Cc', 'Date'] as const;
type MetadataHeader = (typeof MESSAGE_METADATA_HEADERS)[number];

/** A message's metadata headers, by name; a header the message lacks is absent. */
export interface MessageMetadata {
  readonly id: string;
  readonly threadId: string | undefined;
  readonly headers: Partial<Record<MetadataHeader, string>>;
}

const MessageShape = z.looseObject({
  id: z.string().min(1),
  threadId: z.string().nullish(),
  payload: z
    .looseObject({
      headers: z.array(z.looseObject({ name: z.string().nullish(), value: z.string().nullish() })).nullish(),
    })
    .nullish(),
});

/**
 * Gmail, as a Workspace add-on reads the message the user has open: users.messages.get with
 * format=metadata, the user's OAuth token (authorization) and the add-on's per-message token
 * (X-Goog-Gmail-Access-Token), which scopes the call to that one message.
 */
export class GoogleGmailClient {
  private readonly api: gmail_v1.Gmail;
  private readonly runner: GoogleCallRunner;

  constructor(private readonly options: GoogleGmailClientOptions) {
    this.api = gmail({ version: 'v1', auth: options.auth, rootUrl: options.rootUrl, retry: false });
    this.runner = options.runner ?? new GoogleCallRunner('google-gmail', options.resilience);
  }

  /** Subject, From, To, Cc and Date of one message; the body is neither asked for nor returned. */
  async messageMetadata(messageId: string, messageToken: string): Promise<MessageMetadata> {
    const operation = 'gmail.users.messages.get';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.users.messages.get(
          { userId: 'me', id: messageId, format: 'metadata', metadataHeaders: [...MESSAGE_METADATA_HEADERS] },
          { ...requestOptions, headers: { 'X-Goog-Gmail-Access-Token': messageToken } },
        ),
      {
        idempotent: true,
        onUnauthorized: () => markAccessTokenStale(this.options.auth),
        ...(this.options.account !== undefined ? { account: this.options.account } : {}),
      },
    );
    const parsed = MessageShape.safeParse(response.data);
    if (!parsed.success) throw new GoogleResponseInvalid(operation, z.prettifyError(parsed.error));
    const headers: Partial<Record<MetadataHeader, string>> = {};
    for (const header of parsed.data.payload?.headers ?? []) {
      // Header names are case-insensitive; the first of a repeated header counts.
      const name = MESSAGE_METADATA_HEADERS.find(
        (wanted) => wanted.toLowerCase() === header.name?.toLowerCase(),
      );
      if (name && header.value !== null && header.value !== undefined && headers[name] === undefined)
        headers[name] = header.value;
    }
    return { id: parsed.data.id, threadId: parsed.data.threadId ?? undefined, headers };
  }
}
