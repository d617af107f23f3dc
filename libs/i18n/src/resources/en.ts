/**
 * English: the reference language. Every other language has exactly these keys and the same
 * {{placeholders}} (checked by the compiler through `Messages` and by i18n.unit.spec.ts).
 */
export const en = {
  /** The gateway's error messages (the `code` beside them is never translated). */
  errors: {
    invalid_request_body: 'The request body is invalid: {{fields}}',
    invalid_request_query: 'The request query is invalid: {{fields}}',
    invalid_request_path: 'The request path is invalid: {{fields}}',
    invalid_request: 'The request is invalid',
    invalid_json: 'The request body is not valid JSON',
    unauthenticated_missing_token: 'An Authorization: Bearer <Google ID token> header is required',
    unauthenticated_malformed_header: 'The Authorization header must be "Bearer <Google ID token>"',
    unauthenticated_invalid_token: 'The ID token is not valid (signature, issuer, audience or expiry)',
    unauthenticated: 'Authentication is required',
    hosted_domain_not_allowed: "The account's Google Workspace domain is not allowed to use this service",
    forbidden: 'The request is not allowed',
    not_event_organizer: 'Only the organiser of the calendar event can add a meeting to it',
    not_found: 'No such resource',
    meeting_not_found: 'No meeting with this id exists for the authenticated user',
    calendar_event_not_found: 'The calendar event does not exist or is not visible to the authenticated user',
    meeting_already_exists: 'The calendar event already has an active meeting',
    meeting_finished: 'The meeting is over and can no longer be cancelled',
    meeting_not_failed: 'Only a failed meeting can be retried',
    gmail_message_not_found: "The Gmail message does not exist in the authenticated user's mailbox",
    gmail_message_token_rejected: 'The message token does not grant access to this Gmail message',
    calendar_event_deleted:
      'The calendar event made from this message at these times was deleted; choose other times',
    calendar_event_unsupported: 'The calendar event cannot carry a meeting as it is',
    invalid_oauth_state: 'The OAuth state is missing, invalid or expired; start the connection again',
    upstream_failed: 'The gateway could not complete {{operation}}; try again',
    service_unavailable: 'The gateway could not complete {{operation}} right now; try again shortly',
    google_account_not_connected: 'Connect your Google account first (GET /v1/oauth/google/start)',
    webex_account_not_connected: 'Connect your Webex account first (POST /v1/oauth/webex/start)',
    preference_not_offered: 'Your Webex account does not offer this: {{fields}}',
    method_not_allowed: 'The method is not allowed on this resource',
    payload_too_large: 'The request body is too large',
    unsupported_media_type: 'The request body must be application/json',
    too_many_requests_user: 'Too many requests from this user; retry later',
    too_many_requests_ip: 'Too many requests from this client address; retry later',
    too_many_requests: 'Too many requests; retry later',
    request_failed: 'The request failed',
    internal_error: 'An unexpected error occurred',
    not_tenant_administrator: 'Only an administrator of your Google Workspace can manage its settings',
    tenant_disabled:
      "Your Google Workspace's administrators have turned this service off for your organisation; ask them to turn it on again",
    webex_site_not_allowed:
      "Your Google Workspace's administrators do not allow this Webex site; choose one of allowedSites",
    sign_in_required: 'Sign in with your Google account to see the audit page',
    sign_in_failed_not_this_browser:
      'The sign-in was started in another browser or has expired; sign in again',
    sign_in_failed_nonce_mismatch: 'The ID token was not issued for this sign-in; sign in again',
    sign_in_failed_refused: 'Google did not sign you in',
    sign_in_failed_missing_id_token: 'Google sent no ID token',
    audit_meeting_not_found: 'No meeting with this id in your tenant',
    authorization_code_rejected: 'The provider refused the authorization code; start the connection again',
    google_account_mismatch:
      'Another Google account consented than the one signed in; consent with the signed-in account',
    webex_email_mismatch:
      "The Webex account's email is not your Google email; connect your own Webex account",
    webex_account_already_connected: 'A different Webex account is already connected to your account',
    webex_account_in_use: 'This Webex account is already connected to another user',
    account_not_found: 'No account is known for this user: there is nothing to erase',
    account_erased: 'The account was erased already',
    erasure_not_found: 'No erasure of this account was requested',
    tenant_settings_inconsistent: 'The settings contradict each other: {{fields}}',
  },
  /** What the gateway was doing, named inside upstream_failed and service_unavailable. */
  operations: {
    meeting_request: 'the meeting request',
    cancellation: 'the cancellation',
    retry: 'the retry',
    reading_calendar_event: 'reading the calendar event',
    google_connection: 'the Google connection',
    webex_connection: 'the Webex connection',
    preference_change: 'the preference change',
    checking_preference: 'checking the preference with Webex',
    gmail_calendar_event: 'the calendar event from the Gmail message',
    checking_tenant_administrator: 'checking your Workspace administrator role with Google',
    tenant_settings_change: 'the tenant settings change',
    erasure: 'the erasure',
  },
  /** The notes of our conference in the Google Calendar event (plain text; escaped when written). */
  conference: {
    meeting_number: 'Webex meeting number: {{meetingNumber}}',
    access_code: 'Access code: {{accessCode}}',
    deleted_in_webex: 'This Webex meeting was deleted in Webex.',
  },
  /** What webex-bridge writes into the Webex meeting. */
  webex: {
    agenda: 'Scheduled from Google Calendar. Change it there: changes made in Webex are undone.',
  },
} as const;
