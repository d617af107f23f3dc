import { basicUtc, occurrenceStarts, sameDay, seriesRecurrenceOf } from '@scheduler/contracts';

// Calendar changes one occurrence of a series by an exception (an instance with its own title or
// times, or cancelled), named by the occurrence's original start. Webex changes one occurrence
// through its own id, `<seriesId>_<original start, yyyymmddThhmmssZ>`: PATCH moves or retitles
// it, DELETE removes it. Webex moves an occurrence only within its own day (from 00:00 of its day
// to 00:00 of the next occurrence's day, in the series' time zone), and a deleted occurrence
// cannot come back; either case is served by deleting the occurrence and giving the calendar's
// occurrence a single Webex meeting of its own.

/** How the calendar shows one occurrence that differs from its series. */
export type OccurrenceException =
  | { readonly originalStart: string; readonly cancelled: true }
  | {
      readonly originalStart: string;
      readonly cancelled: false;
      readonly title: string;
      readonly start: string;
      readonly end: string;
    };

export interface OccurrenceTimes {
  readonly title: string;
  readonly start: string;
  readonly end: string;
}

/** What Webex holds for one occurrence, as far as it differs from the series. */
export interface AppliedOccurrence {
  readonly originalStart: string;
  /** The series' occurrence: as the series says, patched, or deleted. */
  readonly occurrence:
    | { readonly kind: 'as-series' }
    | { readonly kind: 'patched'; readonly shown: OccurrenceTimes }
    | { readonly kind: 'deleted' };
  /** A single meeting standing in for the occurrence (moved off its day, or back after a delete). */
  readonly single?: { readonly webexMeetingId: string; readonly shown: OccurrenceTimes };
}

export type OccurrenceOperation =
  | {
      readonly kind: 'patch-occurrence';
      readonly originalStart: string;
      readonly occurrenceId: string;
      readonly shown: OccurrenceTimes;
    }
  | { readonly kind: 'delete-occurrence'; readonly originalStart: string; readonly occurrenceId: string }
  | { readonly kind: 'create-single'; readonly originalStart: string; readonly shown: OccurrenceTimes }
  | {
      readonly kind: 'patch-single';
      readonly originalStart: string;
      readonly webexMeetingId: string;
      readonly shown: OccurrenceTimes;
    }
  | { readonly kind: 'delete-single'; readonly originalStart: string; readonly webexMeetingId: string };

/** Webex's id of the occurrence of `seriesId` originally starting at `originalStart`. */
export function occurrenceId(seriesId: string, originalStart: string): string {
  return `${seriesId}_${basicUtc(Date.parse(originalStart))}`;
}

const sameTimes = (left: OccurrenceTimes, right: OccurrenceTimes) =>
  left.title === right.title &&
  Date.parse(left.start) === Date.parse(right.start) &&
  Date.parse(left.end) === Date.parse(right.end);

/**
 * The occurrences a series' EXDATE lines exclude, as cancelled exceptions: the calendar cancelled
 * them, so Webex deletes them like an occurrence cancelled on its own. An excluded start the rule
 * never produces names no occurrence and changes nothing.
 */
export function excludedOccurrences(series: {
  readonly recurrence?: readonly string[];
  readonly start: string;
  readonly timeZone: string;
}): OccurrenceException[] {
  const mapping = seriesRecurrenceOf(series);
  if (!mapping?.supported || mapping.recurrence.excludedStarts.length === 0) return [];
  const { parsed, excludedStarts } = mapping.recurrence;
  const excluded = excludedStarts.map((start) => Date.parse(start));
  // Expanded only up to the last excluded start: an open-ended rule has no end of its own.
  const last = Math.max(...excluded);
  const produced = new Set(
    occurrenceStarts(
      { ...parsed, until: Math.min(parsed.until ?? last, last) },
      Date.parse(series.start),
      series.timeZone,
      Number.MAX_SAFE_INTEGER,
    ),
  );
  return excluded
    .filter((start) => produced.has(start))
    .map((start) => ({ originalStart: new Date(start).toISOString(), cancelled: true }));
}

/**
 * After Webex's series itself changed start, end or rule, Webex has dropped every exception:
 * each occurrence is the series' own again. Single meetings are separate meetings and stay.
 */
export function afterSeriesRewrite(applied: readonly AppliedOccurrence[]): AppliedOccurrence[] {
  return applied.map((entry) => ({ ...entry, occurrence: { kind: 'as-series' } }));
}

/**
 * The operations that bring Webex's occurrences from `applied` to the calendar's `exceptions`.
 * `series` tells how an occurrence looks without an exception (its title and duration).
 * Occurrences that began before `now` are left alone: Webex changes no past meeting.
 */
export function planOccurrences(input: {
  readonly seriesId: string;
  readonly timeZone: string;
  readonly series: { readonly title: string; readonly durationMs: number };
  readonly exceptions: readonly OccurrenceException[];
  readonly applied: readonly AppliedOccurrence[];
  readonly now: Date;
}): OccurrenceOperation[] {
  const byStart = new Map<number, { exception?: OccurrenceException; applied?: AppliedOccurrence }>();
  for (const exception of input.exceptions) byStart.set(Date.parse(exception.originalStart), { exception });
  for (const applied of input.applied) {
    const key = Date.parse(applied.originalStart);
    byStart.set(key, { ...byStart.get(key), applied });
  }
  const operations: OccurrenceOperation[] = [];
  for (const [key, { exception, applied }] of [...byStart].sort(([a], [b]) => a - b)) {
    const originalStart = new Date(key).toISOString();
    const asSeries: OccurrenceTimes = {
      title: input.series.title,
      start: originalStart,
      end: new Date(key + input.series.durationMs).toISOString(),
    };
    const wanted: OccurrenceTimes | undefined =
      exception === undefined ? asSeries : exception.cancelled ? undefined : exception;
    if (key < input.now.getTime() && (wanted === undefined || Date.parse(wanted.start) < input.now.getTime()))
      continue;
    const id = occurrenceId(input.seriesId, originalStart);
    const occurrence = applied?.occurrence ?? { kind: 'as-series' as const };
    const single = applied?.single;
    const deleteOccurrence = () => {
      if (occurrence.kind !== 'deleted')
        operations.push({ kind: 'delete-occurrence', originalStart, occurrenceId: id });
    };
    const deleteSingle = () => {
      if (single)
        operations.push({ kind: 'delete-single', originalStart, webexMeetingId: single.webexMeetingId });
    };
    if (wanted === undefined) {
      deleteSingle();
      deleteOccurrence();
      continue;
    }
    const shownByOccurrence =
      occurrence.kind === 'as-series'
        ? asSeries
        : occurrence.kind === 'patched'
          ? occurrence.shown
          : undefined;
    const keepsItsDay = sameDay(Date.parse(wanted.start), key, input.timeZone);
    if (occurrence.kind !== 'deleted' && keepsItsDay) {
      deleteSingle();
      if (!sameTimes(shownByOccurrence!, wanted))
        operations.push({ kind: 'patch-occurrence', originalStart, occurrenceId: id, shown: wanted });
      continue;
    }
    // Off its day, or deleted in Webex already (it cannot come back): a single meeting stands in.
    deleteOccurrence();
    if (!single) operations.push({ kind: 'create-single', originalStart, shown: wanted });
    else if (!sameTimes(single.shown, wanted))
      operations.push({
        kind: 'patch-single',
        originalStart,
        webexMeetingId: single.webexMeetingId,
        shown: wanted,
      });
  }
  return operations;
}

/**
 * What Webex holds for the occurrence once `operation` was carried out on `current`;
 * `createdWebexMeetingId` is the id of the single meeting a create-single made.
 */
export function appliedAfter(
  current: AppliedOccurrence | undefined,
  operation: OccurrenceOperation,
  createdWebexMeetingId?: string,
): AppliedOccurrence {
  const base: AppliedOccurrence = current ?? {
    originalStart: operation.originalStart,
    occurrence: { kind: 'as-series' },
  };
  switch (operation.kind) {
    case 'patch-occurrence':
      return { ...base, occurrence: { kind: 'patched', shown: operation.shown } };
    case 'delete-occurrence':
      return { ...base, occurrence: { kind: 'deleted' } };
    case 'create-single':
      if (!createdWebexMeetingId) throw new TypeError('a created single meeting needs its Webex id');
      return { ...base, single: { webexMeetingId: createdWebexMeetingId, shown: operation.shown } };
    case 'patch-single':
      return { ...base, single: { webexMeetingId: operation.webexMeetingId, shown: operation.shown } };
    case 'delete-single': {
      const { single: _deleted, ...rest } = base;
      return rest;
    }
  }
}
