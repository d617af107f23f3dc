import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorClock } from './clock.js';
import { FaultRule, type FaultInjector } from './faults.js';
import type { RequestLog } from './request-log.js';

/** A control request that does not make sense; answered 400 with the message. */
export class ControlInputError extends Error {}

/**
 * Requires `Authorization: Bearer <controlToken>` on control routes when a token is configured,
 * so an emulator reachable from a shared network cannot be driven by anyone.
 */
export function controlAuthentication(controlToken: string | undefined) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (!controlToken) return next();
    const given = Buffer.from(/^Bearer (.+)$/i.exec(request.header('authorization') ?? '')?.[1] ?? '');
    const expected = Buffer.from(controlToken);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    response.status(401).json({ error: 'control routes need Authorization: Bearer <control token>' });
  };
}

/** Parses a control body with zod; bad input becomes a ControlInputError (400). */
export function parseControl<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new ControlInputError(z.prettifyError(result.error));
  return result.data;
}

/** Renders control-route errors: bad input 400, anything else with its own status or 500. */
export function controlErrorHandler(
  error: unknown,
  _request: Request,
  response: Response,
  next: NextFunction,
): void {
  if (response.headersSent) return next(error);
  if (error instanceof ControlInputError) {
    response.status(400).json({ error: error.message });
    return;
  }
  const status =
    typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
      ? error.status
      : 500;
  response.status(status).json({ error: error instanceof Error ? error.message : String(error) });
}

const ClockAdvance = z.strictObject({
  seconds: z.number().min(0).optional(),
  milliseconds: z.number().min(0).optional(),
});
const ClockSet = z.strictObject({ to: z.iso.datetime({ offset: true }) });
const RequestFilter = z.object({ method: z.string().optional(), pathPrefix: z.string().optional() });

/**
 * Control routes every emulator has: the clock (shared by all emulators of a run), fault
 * injection and the request log. Mounted under /control.
 */
export function sharedControlRoutes(parts: {
  clock: EmulatorClock;
  faults: FaultInjector;
  requests: RequestLog;
}): Router {
  const router = express.Router();
  router.get('/clock', (_request, response) => {
    response.json({ now: parts.clock.now().toISOString() });
  });
  router.post('/clock/advance', (request, response) => {
    const body = parseControl(ClockAdvance, request.body);
    const milliseconds = (body.seconds ?? 0) * 1000 + (body.milliseconds ?? 0);
    response.json({ now: parts.clock.advance(milliseconds).toISOString() });
  });
  router.post('/clock/set', (request, response) => {
    const body = parseControl(ClockSet, request.body);
    try {
      response.json({ now: parts.clock.set(new Date(body.to)).toISOString() });
    } catch (error) {
      throw new ControlInputError(error instanceof Error ? error.message : String(error));
    }
  });
  router.get('/faults', (_request, response) => {
    response.json({ faults: parts.faults.list() });
  });
  router.post('/faults', (request, response) => {
    const rule = parseControl(FaultRule, request.body);
    response.status(201).json({ id: parts.faults.add(rule) });
  });
  router.delete('/faults', (_request, response) => {
    parts.faults.clear();
    response.status(204).end();
  });
  router.get('/requests', (request, response) => {
    const filter = parseControl(RequestFilter, request.query);
    response.json({ requests: parts.requests.list(filter) });
  });
  router.delete('/requests', (_request, response) => {
    parts.requests.clear();
    response.status(204).end();
  });
  return router;
}
