import { z } from 'zod';
import { AccountErased, AccountErasureRequested, AccountErasureStepCompleted } from '@scheduler/contracts';
import type { RecordedEvent } from '@scheduler/event-store';
import { defineProjection, type ProjectionResult } from '@scheduler/read-models';

/** A user's erasure as the client polls it: ids, choices and times only, no personal data. */
export const ErasureView = z.strictObject({
  tenantId: z.string(),
  userId: z.string(),
  status: z.enum(['erasing', 'erased']),
  futureMeetings: z.enum(['cancel', 'keep']),
  requestedAt: z.string(),
  /** The services whose part is done, in order: webex-bridge, google-ingest. */
  stepsCompleted: z.array(z.string()),
  erasedAt: z.string().optional(),
  updatedAt: z.string(),
});
export type ErasureView = z.infer<typeof ErasureView>;

/** Pure: folds `accountErasure-<userId>` (webex-bridge) into one document per user. */
export function projectErasure(
  view: ErasureView | undefined,
  event: RecordedEvent,
): ProjectionResult<ErasureView> {
  const data = event.data as Record<string, unknown>;
  const at =
    typeof event.metadata.occurredAt === 'string'
      ? event.metadata.occurredAt
      : event.recordedAt.toISOString();
  if (AccountErasureRequested.is(event)) {
    const tenantId = event.metadata.tenantId;
    if (view || typeof tenantId !== 'string' || typeof data.userId !== 'string') return undefined;
    return {
      tenantId,
      userId: data.userId,
      status: 'erasing',
      futureMeetings: data.futureMeetings === 'keep' ? 'keep' : 'cancel',
      requestedAt: String(data.requestedAt),
      stepsCompleted: [],
      updatedAt: at,
    };
  }
  if (!view) return undefined;
  if (AccountErasureStepCompleted.is(event)) {
    const step = String(data.step);
    if (view.stepsCompleted.includes(step)) return undefined;
    return { ...view, stepsCompleted: [...view.stepsCompleted, step], updatedAt: at };
  }
  if (AccountErased.is(event))
    return { ...view, status: 'erased', erasedAt: String(data.erasedAt), updatedAt: at };
  return undefined;
}

/** The gateway's `account_erasures` read model. */
export const accountErasuresProjection = defineProjection<ErasureView>({
  name: 'gateway-account-erasures',
  collection: {
    name: 'account_erasures',
    indexes: { tenantId: 'string', userId: 'string' },
    schema: ErasureView,
  },
  filter: { categories: [AccountErasureRequested.category] },
  documentId: (event) => (typeof event.data.userId === 'string' ? event.data.userId : undefined),
  project: projectErasure,
});
