import type { Messages } from '../messages.js';

export const ja: Messages = {
  errors: {
    invalid_request_body: 'リクエストの本文が無効です: {{fields}}',
    invalid_request_query: 'リクエストのクエリが無効です: {{fields}}',
    invalid_request_path: 'リクエストのパスが無効です: {{fields}}',
    invalid_request: 'リクエストが無効です',
    invalid_json: 'リクエストの本文が有効な JSON ではありません',
    unauthenticated_missing_token: '「Authorization: Bearer <Google ID トークン>」ヘッダーが必要です',
    unauthenticated_malformed_header:
      'Authorization ヘッダーは「Bearer <Google ID トークン>」の形式にしてください',
    unauthenticated_invalid_token: 'ID トークンが無効です(署名、発行者、対象、または有効期限)',
    unauthenticated: '認証が必要です',
    hosted_domain_not_allowed: 'このアカウントの Google Workspace ドメインはこのサービスを利用できません',
    forbidden: 'このリクエストは許可されていません',
    not_event_organizer: '会議を追加できるのはカレンダーの予定の主催者だけです',
    not_found: 'そのリソースは存在しません',
    meeting_not_found: '認証されたユーザーにこの ID の会議はありません',
    calendar_event_not_found: 'カレンダーの予定が存在しないか、認証されたユーザーには表示されません',
    meeting_already_exists: 'このカレンダーの予定にはすでに有効な会議があります',
    meeting_finished: '会議は終了しているため、キャンセルできません',
    meeting_not_failed: '再試行できるのは失敗した会議だけです',
    gmail_message_not_found: '認証されたユーザーのメールボックスにその Gmail メッセージはありません',
    gmail_message_token_rejected: 'メッセージ トークンではこの Gmail メッセージにアクセスできません',
    calendar_event_deleted:
      'このメッセージからこの日時で作成したカレンダーの予定は削除されています。別の日時を選んでください',
    calendar_event_unsupported: 'このカレンダーの予定には現在の状態では会議を追加できません',
    invalid_oauth_state: 'OAuth の state がないか、無効か、期限切れです。接続をやり直してください',
    upstream_failed: 'ゲートウェイは{{operation}}を完了できませんでした。もう一度お試しください',
    service_unavailable: 'ゲートウェイは現在{{operation}}を完了できません。しばらくしてからお試しください',
    google_account_not_connected: '先に Google アカウントを接続してください(GET /v1/oauth/google/start)',
    webex_account_not_connected: '先に Webex アカウントを接続してください(POST /v1/oauth/webex/start)',
    preference_not_offered: 'お使いの Webex アカウントでは提供されていません: {{fields}}',
    method_not_allowed: 'このリソースではそのメソッドは使用できません',
    payload_too_large: 'リクエストの本文が大きすぎます',
    unsupported_media_type: 'リクエストの本文は application/json にしてください',
    too_many_requests_user: 'このユーザーからのリクエストが多すぎます。後でもう一度お試しください',
    too_many_requests_ip: 'このアドレスからのリクエストが多すぎます。後でもう一度お試しください',
    too_many_requests: 'リクエストが多すぎます。後でもう一度お試しください',
    request_failed: 'リクエストが失敗しました',
    internal_error: '予期しないエラーが発生しました',
    not_tenant_administrator: 'Google Workspace の設定を管理できるのは管理者のみです',
    tenant_disabled:
      'Google Workspace の管理者が組織でこのサービスを無効にしています。再度有効にするよう管理者に依頼してください',
    webex_site_not_allowed:
      'Google Workspace の管理者はこの Webex サイトを許可していません。allowedSites から選択してください',
    sign_in_required: '監査ページを表示するには Google アカウントでサインインしてください',
    sign_in_failed_not_this_browser:
      'サインインが別のブラウザーで開始されたか、期限切れです。もう一度サインインしてください',
    sign_in_failed_nonce_mismatch:
      'この ID トークンはこのサインイン用に発行されたものではありません。もう一度サインインしてください',
    sign_in_failed_refused: 'Google はサインインを許可しませんでした',
    sign_in_failed_missing_id_token: 'Google から ID トークンが送信されませんでした',
    audit_meeting_not_found: 'この ID の会議は組織内にありません',
  },
  operations: {
    meeting_request: '会議のリクエスト',
    cancellation: 'キャンセル',
    retry: '再試行',
    reading_calendar_event: 'カレンダーの予定の読み取り',
    google_connection: 'Google との接続',
    webex_connection: 'Webex との接続',
    preference_change: '設定の変更',
    checking_preference: 'Webex での設定の確認',
    gmail_calendar_event: 'Gmail メッセージからのカレンダーの予定の作成',
    checking_tenant_administrator: 'Google での Workspace 管理者ロールの確認',
    tenant_settings_change: '組織設定の変更',
  },
  conference: {
    meeting_number: 'Webex 会議番号: {{meetingNumber}}',
    access_code: 'アクセス コード: {{accessCode}}',
    deleted_in_webex: 'この Webex 会議は Webex で削除されました。',
  },
  webex: {
    agenda:
      'Google カレンダーから予定されました。変更は Google カレンダーで行ってください。Webex での変更は元に戻されます。',
  },
};
