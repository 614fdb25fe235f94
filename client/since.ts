import { z } from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const RELATIVE = /^(\d{1,6})(m|h|d|w)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const SINCE_HELP =
  'an ISO 8601 date (2026-11-30) or date-time (2026-11-30T08:00:00Z), `today`, `yesterday`, or a time ago like 30m, 12h, 7d, 2w';

/** The start of the UTC day `ms` falls in. */
const dayStart = (ms: number) => Math.floor(ms / UNIT_MS.d) * UNIT_MS.d;

/** Reads a `--since` value into a moment; undefined when it is none of the accepted forms. */
export function parseSince(text: string, nowMs: number = Date.now()): Date | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'today') return new Date(dayStart(nowMs));
  if (value === 'yesterday') return new Date(dayStart(nowMs) - UNIT_MS.d);
  const relative = RELATIVE.exec(value);
  if (relative) return new Date(nowMs - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  const iso = text.trim();
  const date =
    z.iso.datetime({ offset: true }).safeParse(iso).success || ISO_DATE.test(iso) ? new Date(iso) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** `since` as the library and the CLI accept it: a Date, or any text form parseSince reads. */
export const SinceSchema = z.union([z.date(), z.string()]).transform((value, ctx) => {
  if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) return value;
  } else {
    const parsed = parseSince(value);
    if (parsed) return parsed;
  }
  ctx.addIssue({
    code: 'custom',
    message: `expected ${SINCE_HELP}; got ${JSON.stringify(String(value)).slice(0, 80)}`,
  });
  return z.NEVER;
});
