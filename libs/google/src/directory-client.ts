import type { OAuth2Client } from 'google-auth-library';
import { admin, type admin_directory_v1 } from 'googleapis/build/src/apis/admin/index.js';
import { z } from 'zod';
import { GoogleCallRunner, type GoogleResilienceOptions } from './call-runner.js';
import { markAccessTokenStale } from './oauth.js';
import { GoogleApiError, GoogleResponseInvalid } from './errors.js';

export interface GoogleDirectoryClientOptions {
  auth: OAuth2Client;
  /** GoogleEndpoints.directoryRootUrl. */
  rootUrl: string;
  account?: string;
  /** The custom schema and field where administrators keep the Webex site URL. */
  siteUrlSchema?: string;
  siteUrlField?: string;
  resilience?: GoogleResilienceOptions;
  runner?: GoogleCallRunner;
}

const UserShape = z.looseObject({
  primaryEmail: z.string(),
  customSchemas: z.record(z.string(), z.record(z.string(), z.unknown())).nullish(),
});

const AdminViewShape = z.looseObject({ id: z.string(), isAdmin: z.boolean().optional() });

/** Admin Directory: reads the Webex site URL an administrator put in a user's directory entry. */
export class GoogleDirectoryClient {
  private readonly api: admin_directory_v1.Admin;
  private readonly runner: GoogleCallRunner;
  private readonly schema: string;
  private readonly field: string;

  constructor(private readonly options: GoogleDirectoryClientOptions) {
    this.api = admin({ version: 'directory_v1', auth: options.auth, rootUrl: options.rootUrl, retry: false });
    this.runner = options.runner ?? new GoogleCallRunner('google-directory', options.resilience);
    this.schema = options.siteUrlSchema ?? 'Webex';
    this.field = options.siteUrlField ?? 'SiteUrl';
  }

  /** The user's Webex site URL from the directory, or undefined when no administrator set one. */
  async webexSiteUrl(userKey: string): Promise<string | undefined> {
    const operation = 'directory.users.get';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.users.get(
          { userKey, projection: 'custom', customFieldMask: this.schema, viewType: 'domain_public' },
          requestOptions,
        ),
      {
        idempotent: true,
        onUnauthorized: () => markAccessTokenStale(this.options.auth),
        ...(this.options.account !== undefined ? { account: this.options.account } : {}),
      },
    );
    const parsed = UserShape.safeParse(response.data);
    if (!parsed.success) throw new GoogleResponseInvalid(operation, z.prettifyError(parsed.error));
    const value = parsed.data.customSchemas?.[this.schema]?.[this.field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string')
      throw new GoogleResponseInvalid(operation, `${this.schema}.${this.field} is not a string`);
    return value;
  }

  /**
   * Whether the account this client acts for is a super administrator of its Workspace: its own
   * entry in the admin view. Google serves that view to administrators only, so a 403 answers
   * "no"; `isAdmin` must then be true for the very user asked (`userId`, Google's subject).
   */
  async isWorkspaceAdministrator(userKey: string, userId: string): Promise<boolean> {
    const operation = 'directory.users.get';
    let response;
    try {
      response = await this.runner.run(
        operation,
        (requestOptions) =>
          this.api.users.get({ userKey, projection: 'basic', viewType: 'admin_view' }, requestOptions),
        {
          idempotent: true,
          onUnauthorized: () => markAccessTokenStale(this.options.auth),
          ...(this.options.account !== undefined ? { account: this.options.account } : {}),
        },
      );
    } catch (error) {
      if (error instanceof GoogleApiError && error.status === 403 && !error.transient) return false;
      throw error;
    }
    const parsed = AdminViewShape.safeParse(response.data);
    if (!parsed.success) throw new GoogleResponseInvalid(operation, z.prettifyError(parsed.error));
    return parsed.data.id === userId && parsed.data.isAdmin === true;
  }
}
