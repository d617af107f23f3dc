import type { z } from 'zod';
import { serviceEnvironment } from '@scheduler/config';

export const retentionEnvironment = serviceEnvironment;
export type RetentionConfig = z.infer<typeof retentionEnvironment>;
