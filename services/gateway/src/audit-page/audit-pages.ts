import { REDACTED, TAMPERED, type MeetingTimeline } from '@scheduler/audit';
import type { Principal } from '../authentication/identity-verifier.js';
import type { MeetingStatus, MeetingView } from '../meetings/meetings-projection.js';
import { type Html, html } from './html.js';

/** The pages' paths as browsers reach them: under PUBLIC_BASE_URL's path (an ingress may add a prefix). */
export interface AuditPaths {
  readonly admin: string;
  readonly overview: string;
  readonly stylesheet: string;
  readonly meeting: (meetingId: string) => string;
  readonly signIn: string;
  readonly signInCallback: string;
  readonly signOut: string;
}

export function auditPathsUnder(publicBaseUrl: URL): AuditPaths {
  const prefix = publicBaseUrl.pathname.endsWith('/') ? publicBaseUrl.pathname : `${publicBaseUrl.pathname}/`;
  return {
    admin: `${prefix}admin`,
    overview: `${prefix}admin/audit`,
    stylesheet: `${prefix}admin/audit/audit.css`,
    meeting: (meetingId) => `${prefix}admin/audit/meetings/${encodeURIComponent(meetingId)}`,
    signIn: `${prefix}admin/sign-in`,
    signInCallback: `${prefix}admin/sign-in/callback`,
    signOut: `${prefix}admin/sign-out`,
  };
}

/**
 * No script, no inline style, nothing from elsewhere: the pages are text, tables and two forms
 * to the gateway itself. frame-ancestors keeps them out of frames (clickjacking).
 */
export const AUDIT_PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

export const AUDIT_STYLESHEET = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { display: flex; justify-content: space-between; align-items: center; padding: 12px 24px; background: #1d2330; color: #fff; }
header h1 { font-size: 18px; margin: 0; }
header a { color: #fff; text-decoration: none; }
header form { display: inline; margin-left: 12px; }
main { padding: 16px 24px; max-width: 1200px; }
section { background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
h2 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceef1; vertical-align: top; }
th { font-weight: 600; color: #4a5263; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, monospace; font-size: 12px; }
.redacted { color: #8a5a00; font-style: italic; }
.counts { display: flex; gap: 8px; flex-wrap: wrap; }
.count { border: 1px solid #d9dde3; border-radius: 4px; padding: 6px 10px; min-width: 90px; }
.count b { display: block; font-size: 18px; }
.count.alert b { color: #b00020; }
form.search { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
label { display: flex; flex-direction: column; font-size: 12px; color: #4a5263; }
input { font: inherit; padding: 4px 6px; }
button { font: inherit; padding: 4px 12px; }
header button { background: none; color: #fff; border: 1px solid #fff; border-radius: 4px; cursor: pointer; }
.error { border-color: #b00020; }
a { color: #0b57d0; }
`;

export interface OverviewData {
  readonly paths: AuditPaths;
  readonly principal: Principal;
  readonly counts: Record<MeetingStatus, number>;
  /** The tenant's dead letters; undefined when the queue could not be read. */
  readonly deadLetters: number | undefined;
  readonly search: { readonly q?: string; readonly date?: string };
  /** Undefined when nothing was searched. */
  readonly results: readonly MeetingView[] | undefined;
  readonly resultsCapped: boolean;
}

function layout(paths: AuditPaths, title: string, principal: Principal | undefined, body: Html): string {
  const account = principal
    ? html`<div>
        <span>${principal.email} · ${principal.tenantId}</span>
        <form method="post" action="${paths.signOut}"><button type="submit">Sign out</button></form>
      </div>`
    : html``;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        <link rel="stylesheet" href="${paths.stylesheet}" />
      </head>
      <body>
        <header>
          <h1><a href="${paths.overview}">${title}</a></h1>
          ${account}
        </header>
        <main>${body}</main>
      </body>
    </html> `.markup;
}

const statusLabels: Record<MeetingStatus, string> = {
  requested: 'Requested',
  scheduled: 'Scheduled',
  attached: 'Attached',
  updated: 'Updated',
  cancelled: 'Cancelled',
  failed: 'Failed',
  ended: 'Ended',
  purged: 'Purged',
};

function meetingRows(paths: AuditPaths, meetings: readonly MeetingView[]): Html {
  if (meetings.length === 0) return html`<p>No meeting found.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>Meeting</th>
        <th>Status</th>
        <th>Starts</th>
        <th>Title</th>
        <th>Calendar event</th>
        <th>Requested</th>
      </tr>
    </thead>
    <tbody>
      ${meetings.map(
        (meeting) =>
          html`<tr>
            <td><a class="mono" href="${paths.meeting(meeting.meetingId)}">${meeting.meetingId}</a></td>
            <td>${meeting.status}</td>
            <td>${meeting.start ?? ''}</td>
            <td>
              ${meeting.title ?? (meeting.status === 'purged' ? html`<span class="redacted">${REDACTED}</span>` : '')}
            </td>
            <td class="mono">${meeting.eventId ?? ''}</td>
            <td>${meeting.requestedAt}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The overview: counts by status, the tenant's dead letters, the search and its results. */
export function overviewPage(data: OverviewData): string {
  const total = Object.values(data.counts).reduce((sum, count) => sum + count, 0);
  const counts = (Object.keys(statusLabels) as MeetingStatus[]).map(
    (status) =>
      html`<div class="count" data-status="${status}">
        <b>${data.counts[status]}</b>${statusLabels[status]}
      </div>`,
  );
  const deadLetters =
    data.deadLetters === undefined
      ? html`<div class="count alert" id="dead-letters">
          <b>?</b>dead letters (the queue could not be read)
        </div>`
      : html`<div class="count${data.deadLetters > 0 ? ' alert' : ''}" id="dead-letters">
          <b>${data.deadLetters}</b>dead letters
        </div>`;
  const results =
    data.results === undefined
      ? html``
      : html`<section id="results">
          <h2>Results</h2>
          ${meetingRows(data.paths, data.results)}${
            data.resultsCapped
              ? html`<p>Only the first ${data.results.length} are shown; narrow the search.</p>`
              : ''
          }
        </section>`;
  const paths = data.paths;
  return layout(
    paths,
    'Audit',
    data.principal,
    html`<section id="counts">
        <h2>Meetings by status (${total} in all)</h2>
        <div class="counts">${counts}${deadLetters}</div>
      </section>
      <section>
        <h2>Search meetings</h2>
        <form class="search" method="get" action="${paths.overview}">
          <label
            >Meeting id or calendar event id<input
              name="q"
              value="${data.search.q ?? ''}"
              size="40"
              maxlength="1024"
          /></label>
          <label
            >or starting on (UTC)<input name="date" type="date" value="${data.search.date ?? ''}"
          /></label>
          <button type="submit">Search</button>
        </form>
      </section>
      ${results}`,
  );
}

function personalValue(value: unknown): Html {
  if (value === REDACTED || value === TAMPERED) return html`<span class="redacted">${value}</span>`;
  return html`${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** One meeting's events, oldest first, with their personal fields opened or shown as redacted. */
export function timelinePage(
  paths: AuditPaths,
  principal: Principal,
  timeline: MeetingTimeline,
  view: MeetingView | undefined,
): string {
  const rows = timeline.entries.map(
    (entry) =>
      html`<tr>
        <td class="number">${entry.revision}</td>
        <td>${entry.occurredAt}</td>
        <td>${entry.type}</td>
        <td>${entry.producer}</td>
        <td class="mono">${entry.correlationId}</td>
        <td>
          ${
            Object.keys(entry.personal).length === 0
              ? ''
              : html`<dl>
                  ${Object.entries(entry.personal).map(
                    ([field, value]) =>
                      html`<div>
                        <dt class="mono">${field}</dt>
                        <dd>${personalValue(value)}</dd>
                      </div>`,
                  )}
                </dl>`
          }
        </td>
      </tr>`,
  );
  return layout(
    paths,
    'Audit',
    principal,
    html`<section>
        <h2>Meeting <span class="mono" id="meeting-id">${timeline.meetingId}</span></h2>
        <p>
          Status: <b id="meeting-status">${view?.status ?? 'not in the read model yet'}</b>${
            view?.start ? html` · starts ${view.start}` : ''
          }
          · ${timeline.entries.length} events · <a href="${paths.overview}">back to the search</a>
        </p>
      </section>
      <section>
        <h2>Timeline</h2>
        <table id="timeline">
          <thead>
            <tr>
              <th>#</th>
              <th>Time</th>
              <th>Event</th>
              <th>Service</th>
              <th>Correlation id</th>
              <th>Personal fields</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
      </section>`,
  );
}

/** Any refusal or failure as a page: the API's error code, message and correlation id. */
export function errorPage(
  paths: AuditPaths,
  error: {
    status: number;
    code: string;
    message: string;
    correlationId: string;
    signInUrl?: string;
  },
): string {
  return layout(
    paths,
    error.status === 401 ? 'Sign in' : 'Audit',
    undefined,
    html`<section class="error" id="error">
      <h2>${error.status} ${error.code}</h2>
      <p>${error.message}</p>
      ${error.signInUrl ? html`<p><a id="sign-in" href="${error.signInUrl}">Sign in with Google</a></p>` : ''}
      <p>Correlation id: <code>${error.correlationId}</code></p>
    </section>`,
  );
}
