import type { Messages } from '../messages.js';

export const de: Messages = {
  errors: {
    invalid_request_body: 'Der Body der Anfrage ist ungültig: {{fields}}',
    invalid_request_query: 'Die Query-Parameter der Anfrage sind ungültig: {{fields}}',
    invalid_request_path: 'Der Pfad der Anfrage ist ungültig: {{fields}}',
    invalid_request: 'Die Anfrage ist ungültig',
    invalid_json: 'Der Body der Anfrage ist kein gültiges JSON',
    unauthenticated_missing_token: 'Ein Header „Authorization: Bearer <Google-ID-Token>“ ist erforderlich',
    unauthenticated_malformed_header: 'Der Authorization-Header muss „Bearer <Google-ID-Token>“ lauten',
    unauthenticated_invalid_token: 'Das ID-Token ist ungültig (Signatur, Aussteller, Zielgruppe oder Ablauf)',
    unauthenticated: 'Eine Anmeldung ist erforderlich',
    hosted_domain_not_allowed: 'Die Google-Workspace-Domain des Kontos darf diesen Dienst nicht nutzen',
    forbidden: 'Die Anfrage ist nicht erlaubt',
    not_event_organizer: 'Nur der Organisator des Kalendertermins kann ihm eine Besprechung hinzufügen',
    not_found: 'Diese Ressource gibt es nicht',
    meeting_not_found: 'Für den angemeldeten Benutzer gibt es keine Besprechung mit dieser ID',
    calendar_event_not_found:
      'Der Kalendertermin existiert nicht oder ist für den angemeldeten Benutzer nicht sichtbar',
    meeting_already_exists: 'Der Kalendertermin hat bereits eine aktive Besprechung',
    meeting_finished: 'Die Besprechung ist vorbei und kann nicht mehr abgesagt werden',
    meeting_not_failed: 'Nur eine fehlgeschlagene Besprechung kann erneut versucht werden',
    gmail_message_not_found: 'Die Gmail-Nachricht existiert nicht im Postfach des angemeldeten Benutzers',
    gmail_message_token_rejected: 'Das Nachrichten-Token gewährt keinen Zugriff auf diese Gmail-Nachricht',
    calendar_event_deleted:
      'Der aus dieser Nachricht zu diesen Zeiten erstellte Kalendertermin wurde gelöscht; wählen Sie andere Zeiten',
    calendar_event_unsupported: 'Der Kalendertermin kann in seiner jetzigen Form keine Besprechung tragen',
    invalid_oauth_state:
      'Der OAuth-State fehlt, ist ungültig oder abgelaufen; starten Sie die Verbindung erneut',
    upstream_failed: 'Das Gateway konnte {{operation}} nicht abschließen; versuchen Sie es erneut',
    service_unavailable:
      'Das Gateway konnte {{operation}} gerade nicht abschließen; versuchen Sie es gleich noch einmal',
    google_account_not_connected: 'Verbinden Sie zuerst Ihr Google-Konto (GET /v1/oauth/google/start)',
    webex_account_not_connected: 'Verbinden Sie zuerst Ihr Webex-Konto (POST /v1/oauth/webex/start)',
    preference_not_offered: 'Ihr Webex-Konto bietet das nicht an: {{fields}}',
    method_not_allowed: 'Die Methode ist für diese Ressource nicht erlaubt',
    payload_too_large: 'Der Body der Anfrage ist zu groß',
    unsupported_media_type: 'Der Body der Anfrage muss application/json sein',
    too_many_requests_user: 'Zu viele Anfragen von diesem Benutzer; versuchen Sie es später erneut',
    too_many_requests_ip: 'Zu viele Anfragen von dieser Client-Adresse; versuchen Sie es später erneut',
    too_many_requests: 'Zu viele Anfragen; versuchen Sie es später erneut',
    request_failed: 'Die Anfrage ist fehlgeschlagen',
    internal_error: 'Ein unerwarteter Fehler ist aufgetreten',
    not_tenant_administrator:
      'Nur ein Administrator Ihres Google Workspace kann dessen Einstellungen verwalten',
    tenant_disabled:
      'Die Administratoren Ihres Google Workspace haben diesen Dienst für Ihre Organisation deaktiviert; bitten Sie sie, ihn wieder zu aktivieren',
    webex_site_not_allowed:
      'Die Administratoren Ihres Google Workspace erlauben diese Webex-Site nicht; wählen Sie eine aus allowedSites',
    sign_in_required: 'Melden Sie sich mit Ihrem Google-Konto an, um die Audit-Seite zu sehen',
    sign_in_failed_not_this_browser:
      'Die Anmeldung wurde in einem anderen Browser begonnen oder ist abgelaufen; melden Sie sich erneut an',
    sign_in_failed_nonce_mismatch:
      'Das ID-Token wurde nicht für diese Anmeldung ausgestellt; melden Sie sich erneut an',
    sign_in_failed_refused: 'Google hat Sie nicht angemeldet',
    sign_in_failed_missing_id_token: 'Google hat kein ID-Token gesendet',
    audit_meeting_not_found: 'Keine Besprechung mit dieser ID in Ihrer Organisation',
    authorization_code_rejected:
      'Der Anbieter hat den Autorisierungscode abgelehnt; starten Sie die Verbindung erneut',
    google_account_mismatch:
      'Ein anderes Google-Konto als das angemeldete hat zugestimmt; stimmen Sie mit dem angemeldeten Konto zu',
    webex_email_mismatch:
      'Die E-Mail-Adresse des Webex-Kontos ist nicht Ihre Google-E-Mail-Adresse; verbinden Sie Ihr eigenes Webex-Konto',
    webex_account_already_connected: 'Mit Ihrem Konto ist bereits ein anderes Webex-Konto verbunden',
    webex_account_in_use: 'Dieses Webex-Konto ist bereits mit einem anderen Benutzer verbunden',
    account_not_found: 'Für diesen Benutzer ist kein Konto bekannt: Es gibt nichts zu löschen',
    account_erased: 'Das Konto wurde bereits gelöscht',
    erasure_not_found: 'Für dieses Konto wurde keine Löschung angefordert',
    tenant_settings_inconsistent: 'Die Einstellungen widersprechen sich: {{fields}}',
  },
  operations: {
    meeting_request: 'die Besprechungsanfrage',
    cancellation: 'die Absage',
    retry: 'den erneuten Versuch',
    reading_calendar_event: 'das Lesen des Kalendertermins',
    google_connection: 'die Google-Verbindung',
    webex_connection: 'die Webex-Verbindung',
    preference_change: 'die Änderung der Einstellung',
    checking_preference: 'die Prüfung der Einstellung bei Webex',
    gmail_calendar_event: 'den Kalendertermin aus der Gmail-Nachricht',
    checking_tenant_administrator: 'die Prüfung Ihrer Workspace-Administratorrolle bei Google',
    tenant_settings_change: 'die Änderung der Organisationseinstellungen',
    erasure: 'die Löschung',
  },
  conference: {
    meeting_number: 'Webex-Meetingnummer: {{meetingNumber}}',
    access_code: 'Zugriffscode: {{accessCode}}',
    deleted_in_webex: 'Diese Webex-Besprechung wurde in Webex gelöscht.',
  },
  webex: {
    agenda:
      'Geplant aus Google Kalender. Ändern Sie sie dort: Änderungen in Webex werden rückgängig gemacht.',
  },
};
