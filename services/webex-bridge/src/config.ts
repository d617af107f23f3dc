import type { z } from 'zod';
import { serviceEnvironment } from '@scheduler/config';

export const webexBridgeEnvironment = serviceEnvironment;
export type WebexBridgeConfig = z.infer<typeof webexBridgeEnvironment>;
