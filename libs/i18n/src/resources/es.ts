import type { Messages } from '../messages.js';

export const es: Messages = {
  errors: {
    invalid_request_body: 'El cuerpo de la solicitud no es válido: {{fields}}',
    invalid_request_query: 'Los parámetros de la solicitud no son válidos: {{fields}}',
    invalid_request_path: 'La ruta de la solicitud no es válida: {{fields}}',
    invalid_request: 'La solicitud no es válida',
    invalid_json: 'El cuerpo de la solicitud no es JSON válido',
    unauthenticated_missing_token:
      'Se requiere un encabezado «Authorization: Bearer <token de ID de Google>»',
    unauthenticated_malformed_header: 'El encabezado Authorization debe ser «Bearer <token de ID de Google>»',
    unauthenticated_invalid_token: 'El token de ID no es válido (firma, emisor, audiencia o caducidad)',
    unauthenticated: 'Se requiere autenticación',
    hosted_domain_not_allowed: 'El dominio de Google Workspace de la cuenta no puede usar este servicio',
    forbidden: 'La solicitud no está permitida',
    not_event_organizer: 'Solo el organizador del evento puede añadirle una reunión',
    not_found: 'No existe ese recurso',
    meeting_not_found: 'No existe ninguna reunión con este identificador para el usuario autenticado',
    calendar_event_not_found: 'El evento del calendario no existe o el usuario autenticado no puede verlo',
    meeting_already_exists: 'El evento del calendario ya tiene una reunión activa',
    meeting_finished: 'La reunión ha terminado y ya no se puede cancelar',
    meeting_not_failed: 'Solo se puede reintentar una reunión fallida',
    gmail_message_not_found: 'El mensaje de Gmail no existe en el buzón del usuario autenticado',
    gmail_message_token_rejected: 'El token del mensaje no da acceso a este mensaje de Gmail',
    calendar_event_deleted:
      'El evento creado a partir de este mensaje en estos horarios se eliminó; elija otros horarios',
    calendar_event_unsupported: 'El evento del calendario no puede llevar una reunión tal como está',
    invalid_oauth_state: 'El estado de OAuth falta, no es válido o ha caducado; inicie la conexión de nuevo',
    upstream_failed: 'La pasarela no pudo completar {{operation}}; inténtelo de nuevo',
    service_unavailable:
      'La pasarela no pudo completar {{operation}} en este momento; inténtelo de nuevo en breve',
    google_account_not_connected: 'Conecte primero su cuenta de Google (GET /v1/oauth/google/start)',
    webex_account_not_connected: 'Conecte primero su cuenta de Webex (POST /v1/oauth/webex/start)',
    preference_not_offered: 'Su cuenta de Webex no ofrece esto: {{fields}}',
    method_not_allowed: 'El método no está permitido en este recurso',
    payload_too_large: 'El cuerpo de la solicitud es demasiado grande',
    unsupported_media_type: 'El cuerpo de la solicitud debe ser application/json',
    too_many_requests_user: 'Demasiadas solicitudes de este usuario; inténtelo más tarde',
    too_many_requests_ip: 'Demasiadas solicitudes desde esta dirección; inténtelo más tarde',
    too_many_requests: 'Demasiadas solicitudes; inténtelo más tarde',
    request_failed: 'La solicitud ha fallado',
    internal_error: 'Se ha producido un error inesperado',
    not_tenant_administrator: 'Solo un administrador de su Google Workspace puede gestionar su configuración',
    tenant_disabled:
      'Los administradores de su Google Workspace han desactivado este servicio para su organización; pídales que lo vuelvan a activar',
    webex_site_not_allowed:
      'Los administradores de su Google Workspace no permiten este sitio de Webex; elija uno de allowedSites',
    sign_in_required: 'Inicie sesión con su cuenta de Google para ver la página de auditoría',
    sign_in_failed_not_this_browser:
      'El inicio de sesión se empezó en otro navegador o ha caducado; vuelva a iniciar sesión',
    sign_in_failed_nonce_mismatch:
      'El token de ID no se emitió para este inicio de sesión; vuelva a iniciar sesión',
    sign_in_failed_refused: 'Google no ha iniciado su sesión',
    sign_in_failed_missing_id_token: 'Google no ha enviado ningún token de ID',
    audit_meeting_not_found: 'No hay ninguna reunión con este id en su organización',
    authorization_code_rejected:
      'El proveedor ha rechazado el código de autorización; vuelva a iniciar la conexión',
    google_account_mismatch:
      'Ha dado su consentimiento una cuenta de Google distinta de la que tiene la sesión iniciada; dé su consentimiento con esa cuenta',
    webex_email_mismatch:
      'El correo de la cuenta de Webex no es su correo de Google; conecte su propia cuenta de Webex',
    webex_account_already_connected: 'Ya hay otra cuenta de Webex conectada a su cuenta',
    webex_account_in_use: 'Esta cuenta de Webex ya está conectada a otro usuario',
    account_not_found: 'No se conoce ninguna cuenta de este usuario: no hay nada que borrar',
    account_erased: 'La cuenta ya se ha borrado',
    erasure_not_found: 'No se ha solicitado el borrado de esta cuenta',
    tenant_settings_inconsistent: 'La configuración se contradice: {{fields}}',
  },
  operations: {
    meeting_request: 'la solicitud de reunión',
    cancellation: 'la cancelación',
    retry: 'el reintento',
    reading_calendar_event: 'la lectura del evento del calendario',
    google_connection: 'la conexión con Google',
    webex_connection: 'la conexión con Webex',
    preference_change: 'el cambio de preferencia',
    checking_preference: 'la comprobación de la preferencia con Webex',
    gmail_calendar_event: 'el evento del calendario a partir del mensaje de Gmail',
    checking_tenant_administrator: 'la comprobación de su rol de administrador de Workspace con Google',
    tenant_settings_change: 'el cambio de la configuración de la organización',
    erasure: 'el borrado',
  },
  conference: {
    meeting_number: 'Número de reunión de Webex: {{meetingNumber}}',
    access_code: 'Código de acceso: {{accessCode}}',
    deleted_in_webex: 'Esta reunión de Webex se eliminó en Webex.',
  },
  webex: {
    agenda: 'Programada desde Google Calendar. Cámbiela allí: los cambios hechos en Webex se deshacen.',
  },
};
