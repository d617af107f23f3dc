import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { gmail_v1 } from 'googleapis';
import { z } from 'zod';
import type { EmulatorClock } from '../core/clock.js';
import { parseControl } from '../core/control-routes.js';
import { GoogleHttpError } from './errors.js';
import { randomToken } from './ids.js';
import type { OAuthAuthority } from './oauth.js';
import type { GoogleWorld } from './world.js';

// Gmail's users.messages.get as a Workspace add-on calls it (the subset the services use).
// Scopes: Gmail discovery document (users.messages.get). Per-message token and header:
// developers.google.com/workspace/add-ons/guides/alternate-runtimes ("Get the user's Gmail data").

const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;
/** The add-on scopes that need the per-message token (X-Goog-Gmail-Access-Token). */
const perMessageScopes = [
  'gmail.addons.current.message.metadata',
  'gmail.addons.current.message.readonly',
  'gmail.addons.current.message.action',
].map(scope);
/** Scopes that read any message of the mailbox without a per-message token. */
const mailboxScopes = ['gmail.metadata', 'gmail.readonly', 'gmail.modify']
  .map(scope)
  .concat(['https://mail.google.com/']);
/** Scopes that allow only format=metadata (and minimal). */
const metadataOnlyScopes = new Set([scope('gmail.addons.current.message.metadata'), scope('gmail.metadata')]);

/** How long a per-message token lives (emulator clock): Google's add-on tokens are short-lived. */
const messageTokenLifetimeMs = 10 * 60_000;

export interface StoredMessage {
  readonly id: string;
  readonly threadId: string;
  readonly ownerEmail: string;
  readonly headers: ReadonlyArray<{ name: string; value: string }>;
  readonly body: string;
  readonly internalDateMs: number;
}

interface MessageToken {
  readonly email: string;
  readonly messageId: string;
  readonly expiresAtMs: number;
}

/** Every user's mailbox, and the per-message tokens an add-on is handed for one message. */
export class GmailMailboxes {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly tokens = new Map<string, MessageToken>();

  constructor(
    private readonly world: GoogleWorld,
    private readonly clock: EmulatorClock,
  ) {}

  addMessage(input: {
    ownerEmail: string;
    from: string;
    to: readonly string[];
    cc: readonly string[];
    subject: string;
    date?: string;
    body: string;
  }): StoredMessage {
    const owner = this.world.requireUser(input.ownerEmail);
    const id = randomBytes(8).toString('hex');
    const internalDateMs = input.date ? Date.parse(input.date) : this.clock.nowMs();
    const headers = [
      { name: 'From', value: input.from },
      ...(input.to.length > 0 ? [{ name: 'To', value: input.to.join(', ') }] : []),
      ...(input.cc.length > 0 ? [{ name: 'Cc', value: input.cc.join(', ') }] : []),
      { name: 'Subject', value: input.subject },
      { name: 'Date', value: new Date(internalDateMs).toUTCString().replace('GMT', '+0000') },
      { name: 'Message-ID', value: `<${id}@mail.emulator>` },
    ];
    const message: StoredMessage = {
      id,
      threadId: id,
      ownerEmail: owner.email,
      headers,
      body: input.body,
      internalDateMs,
    };
    this.messages.set(id, message);
    return message;
  }

  /** What Google hands an add-on for the message the user has open (event object gmail.accessToken). */
  issueMessageToken(email: string, messageId: string): string {
    const message = this.messages.get(messageId);
    if (!message || message.ownerEmail !== email.toLowerCase())
      throw new GoogleHttpError(404, 'notFound', `No message ${messageId} in the mailbox of ${email}.`);
    const token = randomToken('gmail-message.', 32);
    this.tokens.set(token, {
      email: message.ownerEmail,
      messageId,
      expiresAtMs: this.clock.nowMs() + messageTokenLifetimeMs,
    });
    return token;
  }

  /** The message `email` asks for, if the token (when one is needed) grants it. */
  read(email: string, messageId: string, messageToken: string | undefined): StoredMessage {
    if (messageToken !== undefined) {
      const granted = this.tokens.get(messageToken);
      if (
        !granted ||
        granted.email !== email ||
        granted.messageId !== messageId ||
        granted.expiresAtMs <= this.clock.nowMs()
      )
        throw new GoogleHttpError(
          403,
          'forbidden',
          'The X-Goog-Gmail-Access-Token does not grant access to this message.',
        );
    }
    const message = this.messages.get(messageId);
    if (!message || message.ownerEmail !== email)
      throw new GoogleHttpError(404, 'notFound', 'Requested entity was not found.');
    return message;
  }

  list(email: string): StoredMessage[] {
    return [...this.messages.values()].filter((message) => message.ownerEmail === email.toLowerCase());
  }
}

function queryValues(request: Request, name: string): string[] {
  const value = request.query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Gmail v1 users.messages.get: format metadata with metadataHeaders, minimal, full or raw. */
export function gmailRoutes(parts: { oauth: OAuthAuthority; gmail: GmailMailboxes }): Router {
  const router = express.Router();
  router.get(
    '/gmail/v1/users/:userId/messages/:messageId',
    (request, response: Response<gmail_v1.Schema$Message>) => {
      const who = parts.oauth.authenticate(request.header('authorization'));
      const userId = String(request.params.userId);
      if (userId !== 'me' && userId.toLowerCase() !== who.email)
        throw new GoogleHttpError(403, 'forbidden', 'Delegation denied for ' + who.email);
      const messageToken = request.header('x-goog-gmail-access-token') ?? undefined;
      // An add-on scope reads only the message its per-message token names.
      const usable = messageToken
        ? who.scopes.filter((granted) => perMessageScopes.includes(granted))
        : who.scopes.filter((granted) => mailboxScopes.includes(granted));
      if (usable.length === 0)
        throw new GoogleHttpError(
          403,
          'insufficientPermissions',
          'Request had insufficient authentication scopes.',
        );
      const format = (
        request.query.format === undefined ? 'full' : String(request.query.format)
      ).toLowerCase();
      if (!['minimal', 'full', 'raw', 'metadata'].includes(format))
        throw new GoogleHttpError(400, 'invalidArgument', `Invalid value for format: ${format}`);
      if (
        (format === 'full' || format === 'raw') &&
        usable.every((granted) => metadataOnlyScopes.has(granted))
      )
        throw new GoogleHttpError(
          403,
          'forbidden',
          `Metadata scope doesn't allow format ${format.toUpperCase()}`,
        );
      const message = parts.gmail.read(who.email, String(request.params.messageId), messageToken);
      const base: gmail_v1.Schema$Message = {
        id: message.id,
        threadId: message.threadId,
        labelIds: ['INBOX'],
        historyId: String(message.internalDateMs),
        internalDate: String(message.internalDateMs),
        sizeEstimate: message.body.length + 512,
      };
      if (format === 'minimal') return void response.json(base);
      if (format === 'raw') {
        const raw = [
          ...message.headers.map((header) => `${header.name}: ${header.value}`),
          '',
          message.body,
        ].join('\r\n');
        return void response.json({ ...base, raw: Buffer.from(raw).toString('base64url') });
      }
      const wanted = queryValues(request, 'metadataHeaders').map((name) => name.toLowerCase());
      const headers =
        format === 'metadata' && wanted.length > 0
          ? message.headers.filter((header) => wanted.includes(header.name.toLowerCase()))
          : message.headers;
      response.json({
        ...base,
        snippet: message.body.slice(0, 100),
        payload: {
          mimeType: 'text/plain',
          headers: headers.map((header) => ({ ...header })),
          ...(format === 'full'
            ? { body: { size: message.body.length, data: Buffer.from(message.body).toString('base64url') } }
            : {}),
        },
      });
    },
  );
  return router;
}

const AddMessage = z.strictObject({
  from: z.string().min(1),
  to: z.array(z.string().min(1)).default([]),
  cc: z.array(z.string().min(1)).default([]),
  subject: z.string().default(''),
  date: z.iso.datetime({ offset: true }).optional(),
  body: z.string().default(''),
});

/**
 * Control routes (under /control/google): put a message in a user's mailbox, and hand out the
 * per-message token Google gives an add-on for it.
 */
export function gmailControlRoutes(gmail: GmailMailboxes): Router {
  const router = express.Router();
  router.post('/gmail/users/:email/messages', (request, response) => {
    const body = parseControl(AddMessage, request.body);
    const message = gmail.addMessage({ ownerEmail: String(request.params.email), ...body });
    response.status(201).json({ id: message.id, threadId: message.threadId });
  });
  router.get('/gmail/users/:email/messages', (request, response) => {
    response.json({ messages: gmail.list(String(request.params.email)) });
  });
  router.post('/gmail/users/:email/messages/:messageId/access-token', (request, response) => {
    const token = gmail.issueMessageToken(String(request.params.email), String(request.params.messageId));
    response.status(201).json({ accessToken: token });
  });
  return router;
}
