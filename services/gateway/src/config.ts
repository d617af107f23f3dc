import type { z } from 'zod';
import { serviceEnvironment } from '@scheduler/config';

export const gatewayEnvironment = serviceEnvironment;
export type GatewayConfig = z.infer<typeof gatewayEnvironment>;
