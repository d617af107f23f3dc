import type { Messages } from '../messages.js';

export const fr: Messages = {
  errors: {
    invalid_request_body: 'Le corps de la requête n’est pas valide : {{fields}}',
    invalid_request_query: 'Les paramètres de la requête ne sont pas valides : {{fields}}',
    invalid_request_path: 'Le chemin de la requête n’est pas valide : {{fields}}',
    invalid_request: 'La requête n’est pas valide',
    invalid_json: 'Le corps de la requête n’est pas du JSON valide',
    unauthenticated_missing_token:
      'Un en-tête « Authorization: Bearer <jeton d’identité Google> » est requis',
    unauthenticated_malformed_header:
      'L’en-tête Authorization doit être « Bearer <jeton d’identité Google> »',
    unauthenticated_invalid_token:
      'Le jeton d’identité n’est pas valide (signature, émetteur, audience ou expiration)',
    unauthenticated: 'Une authentification est requise',
    hosted_domain_not_allowed:
      'Le domaine Google Workspace du compte n’est pas autorisé à utiliser ce service',
    forbidden: 'La requête n’est pas autorisée',
    not_event_organizer: 'Seul l’organisateur de l’événement peut y ajouter une réunion',
    not_found: 'Cette ressource n’existe pas',
    meeting_not_found: 'Aucune réunion avec cet identifiant n’existe pour l’utilisateur authentifié',
    calendar_event_not_found:
      'L’événement d’agenda n’existe pas ou n’est pas visible pour l’utilisateur authentifié',
    meeting_already_exists: 'L’événement d’agenda a déjà une réunion active',
    meeting_finished: 'La réunion est terminée et ne peut plus être annulée',
    meeting_not_failed: 'Seule une réunion en échec peut être relancée',
    gmail_message_not_found: 'Le message Gmail n’existe pas dans la boîte de l’utilisateur authentifié',
    gmail_message_token_rejected: 'Le jeton du message ne donne pas accès à ce message Gmail',
    calendar_event_deleted:
      'L’événement créé à partir de ce message à ces horaires a été supprimé ; choisissez d’autres horaires',
    calendar_event_unsupported: 'L’événement d’agenda ne peut pas porter de réunion en l’état',
    invalid_oauth_state: 'L’état OAuth est absent, non valide ou expiré ; recommencez la connexion',
    upstream_failed: 'La passerelle n’a pas pu mener à bien {{operation}} ; réessayez',
    service_unavailable:
      'La passerelle n’a pas pu mener à bien {{operation}} pour le moment ; réessayez dans un instant',
    google_account_not_connected: 'Connectez d’abord votre compte Google (GET /v1/oauth/google/start)',
    webex_account_not_connected: 'Connectez d’abord votre compte Webex (POST /v1/oauth/webex/start)',
    preference_not_offered: 'Votre compte Webex ne propose pas ceci : {{fields}}',
    method_not_allowed: 'La méthode n’est pas autorisée sur cette ressource',
    payload_too_large: 'Le corps de la requête est trop volumineux',
    unsupported_media_type: 'Le corps de la requête doit être en application/json',
    too_many_requests_user: 'Trop de requêtes de cet utilisateur ; réessayez plus tard',
    too_many_requests_ip: 'Trop de requêtes depuis cette adresse ; réessayez plus tard',
    too_many_requests: 'Trop de requêtes ; réessayez plus tard',
    request_failed: 'La requête a échoué',
    internal_error: 'Une erreur inattendue s’est produite',
    not_tenant_administrator: 'Seul un administrateur de votre Google Workspace peut gérer ses paramètres',
    tenant_disabled:
      'Les administrateurs de votre Google Workspace ont désactivé ce service pour votre organisation ; demandez-leur de le réactiver',
    webex_site_not_allowed:
      'Les administrateurs de votre Google Workspace n’autorisent pas ce site Webex ; choisissez-en un dans allowedSites',
    sign_in_required: 'Connectez-vous avec votre compte Google pour voir la page d’audit',
    sign_in_failed_not_this_browser:
      'La connexion a été commencée dans un autre navigateur ou a expiré ; connectez-vous à nouveau',
    sign_in_failed_nonce_mismatch:
      'Le jeton d’identité n’a pas été émis pour cette connexion ; connectez-vous à nouveau',
    sign_in_failed_refused: 'Google ne vous a pas connecté',
    sign_in_failed_missing_id_token: 'Google n’a envoyé aucun jeton d’identité',
    audit_meeting_not_found: 'Aucune réunion avec cet identifiant dans votre organisation',
    authorization_code_rejected: 'Le fournisseur a refusé le code d’autorisation ; recommencez la connexion',
    google_account_mismatch:
      'Un autre compte Google que celui connecté a donné son accord ; donnez votre accord avec le compte connecté',
    webex_email_mismatch:
      'L’adresse e-mail du compte Webex n’est pas votre adresse Google ; connectez votre propre compte Webex',
    webex_account_already_connected: 'Un autre compte Webex est déjà connecté à votre compte',
    webex_account_in_use: 'Ce compte Webex est déjà connecté à un autre utilisateur',
    account_not_found: 'Aucun compte n’est connu pour cet utilisateur : il n’y a rien à effacer',
    account_erased: 'Le compte a déjà été effacé',
    erasure_not_found: 'Aucun effacement de ce compte n’a été demandé',
    tenant_settings_inconsistent: 'Les paramètres se contredisent : {{fields}}',
  },
  operations: {
    meeting_request: 'la demande de réunion',
    cancellation: 'l’annulation',
    retry: 'la nouvelle tentative',
    reading_calendar_event: 'la lecture de l’événement d’agenda',
    google_connection: 'la connexion à Google',
    webex_connection: 'la connexion à Webex',
    preference_change: 'la modification de la préférence',
    checking_preference: 'la vérification de la préférence auprès de Webex',
    gmail_calendar_event: 'l’événement d’agenda issu du message Gmail',
    checking_tenant_administrator:
      'la vérification de votre rôle d’administrateur Workspace auprès de Google',
    tenant_settings_change: 'la modification des paramètres de l’organisation',
    erasure: 'l’effacement',
  },
  conference: {
    meeting_number: 'Numéro de réunion Webex : {{meetingNumber}}',
    access_code: 'Code d’accès : {{accessCode}}',
    deleted_in_webex: 'Cette réunion Webex a été supprimée dans Webex.',
  },
  webex: {
    agenda:
      'Planifiée depuis Google Agenda. Modifiez-la là-bas : les modifications faites dans Webex sont annulées.',
  },
};
