import type { z } from 'zod';
import { serviceEnvironment } from '@scheduler/config';

export const googleIngestEnvironment = serviceEnvironment;
export type GoogleIngestConfig = z.infer<typeof googleIngestEnvironment>;
