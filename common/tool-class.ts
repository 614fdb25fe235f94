import { z } from 'zod';

/** What a tool can do to the world; policy defaults and approval rules act on it. */
export const ToolClassSchema = z.enum(['read', 'write', 'destructive']);
export type ToolClass = z.infer<typeof ToolClassSchema>;

/** Orders classes from mildest to most dangerous. */
export const CLASS_RANK: Readonly<Record<ToolClass, number>> = { read: 0, write: 1, destructive: 2 };
