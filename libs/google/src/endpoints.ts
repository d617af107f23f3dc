/** Where the Google APIs live. */
export interface GoogleEndpoints {
  /** rootUrl for Calendar v3 (googleapis appends "calendar/v3/..."). */
  calendarRootUrl: string;
  /** rootUrl for Admin Directory (googleapis appends "admin/directory/v1/..."). */
  directoryRootUrl: string;
  /** rootUrl for Gmail v1 (googleapis appends "gmail/v1/..."). */
  gmailRootUrl: string;
  oauth2AuthBaseUrl: string;
  oauth2TokenUrl: string;
  oauth2RevokeUrl: string;
  oauth2FederatedSignonPemCertsUrl: string;
  oauth2FederatedSignonJwkCertsUrl: string;
}

export const productionGoogleEndpoints: GoogleEndpoints = {
  calendarRootUrl: 'https://www.googleapis.com/',
  directoryRootUrl: 'https://admin.googleapis.com/',
  gmailRootUrl: 'https://gmail.googleapis.com/',
  oauth2AuthBaseUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  oauth2TokenUrl: 'https://oauth2.googleapis.com/token',
  oauth2RevokeUrl: 'https://oauth2.googleapis.com/revoke',
  oauth2FederatedSignonPemCertsUrl: 'https://www.googleapis.com/oauth2/v1/certs',
  oauth2FederatedSignonJwkCertsUrl: 'https://www.googleapis.com/oauth2/v3/certs',
};

/**
 * The endpoints for a service's GOOGLE_API_BASE_URL. Unset: Google's own. Set: one base URL in
 * front of every Google API, each under its production path (Google's paths do not collide across
 * its hosts), which is how a stand-in such as an emulator or a forwarding proxy serves them.
 */
export function googleEndpoints(apiBaseUrl?: string): GoogleEndpoints {
  if (apiBaseUrl === undefined) return productionGoogleEndpoints;
  const base = apiBaseUrl.replace(/\/+$/, '');
  const behindBase = (productionUrl: string) => `${base}${new URL(productionUrl).pathname}`;
  return {
    calendarRootUrl: behindBase(productionGoogleEndpoints.calendarRootUrl),
    directoryRootUrl: behindBase(productionGoogleEndpoints.directoryRootUrl),
    gmailRootUrl: behindBase(productionGoogleEndpoints.gmailRootUrl),
    oauth2AuthBaseUrl: behindBase(productionGoogleEndpoints.oauth2AuthBaseUrl),
    oauth2TokenUrl: behindBase(productionGoogleEndpoints.oauth2TokenUrl),
    oauth2RevokeUrl: behindBase(productionGoogleEndpoints.oauth2RevokeUrl),
    oauth2FederatedSignonPemCertsUrl: behindBase(productionGoogleEndpoints.oauth2FederatedSignonPemCertsUrl),
    oauth2FederatedSignonJwkCertsUrl: behindBase(productionGoogleEndpoints.oauth2FederatedSignonJwkCertsUrl),
  };
}
