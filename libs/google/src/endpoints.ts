/** Where the Google APIs live. Production uses the defaults; tests and local runs point at the emulator. */
export interface GoogleEndpoints {
  /** rootUrl for Calendar v3 (googleapis appends "calendar/v3/..."). */
  calendarRootUrl: string;
  /** rootUrl for Admin Directory (googleapis appends "admin/directory/v1/..."). */
  directoryRootUrl: string;
  oauth2AuthBaseUrl: string;
  oauth2TokenUrl: string;
  oauth2RevokeUrl: string;
  oauth2FederatedSignonPemCertsUrl: string;
  oauth2FederatedSignonJwkCertsUrl: string;
}

export const productionGoogleEndpoints: GoogleEndpoints = {
  calendarRootUrl: 'https://www.googleapis.com/',
  directoryRootUrl: 'https://admin.googleapis.com/',
  oauth2AuthBaseUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  oauth2TokenUrl: 'https://oauth2.googleapis.com/token',
  oauth2RevokeUrl: 'https://oauth2.googleapis.com/revoke',
  oauth2FederatedSignonPemCertsUrl: 'https://www.googleapis.com/oauth2/v1/certs',
  oauth2FederatedSignonJwkCertsUrl: 'https://www.googleapis.com/oauth2/v3/certs',
};

/** The endpoints of a Google emulator (tools/emulators) listening at `baseUrl`. */
export function emulatorGoogleEndpoints(baseUrl: string): GoogleEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    calendarRootUrl: `${base}/`,
    directoryRootUrl: `${base}/`,
    oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/token`,
    oauth2RevokeUrl: `${base}/revoke`,
    oauth2FederatedSignonPemCertsUrl: `${base}/oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${base}/oauth2/v3/certs`,
  };
}
