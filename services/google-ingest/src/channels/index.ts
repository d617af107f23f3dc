export { ChannelManager } from './channel-manager.js';
export { ensureChannelSchema } from './migrations.js';
export type {
  CalendarSyncer,
  ChannelManagerOptions,
  IgnoredNotificationReason,
  NotificationResult,
  RenewalReport,
  WatchedChannel,
} from './channel-manager.js';
export { parsePushNotification } from './notification.js';
export type { NotificationHeaders, PushNotification } from './notification.js';
export { SyncCoalescer } from './sync-coalescer.js';
