import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** `90s`, `15m`, `1.5h`, `2d` or a number of milliseconds → milliseconds. */
export const DurationSchema = z
  .union([
    z.number().int().positive(),
    z.string().regex(DURATION_PATTERN, 'durations look like 500ms, 30s, 15m, 2h or 1d'),
  ])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const [, amount, unit] = DURATION_PATTERN.exec(value) as unknown as [string, string, keyof typeof UNIT_MS];
    return Math.round(Number(amount) * UNIT_MS[unit]);
  })
  .refine((ms) => ms > 0, 'a duration must be positive');

/** Milliseconds → the shortest readable form, for messages. */
export function formatDuration(ms: number): string {
  if (ms % UNIT_MS.d === 0) return `${ms / UNIT_MS.d}d`;
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  if (ms % UNIT_MS.s === 0) return `${ms / UNIT_MS.s}s`;
  return `${ms}ms`;
}
