import { z } from 'zod';

/** What a tool can do to the world; policy defaults and approval rules act on it. */
export const ToolClassSchema = z.enum(['read', 'write', 'destructive']);
export type ToolClass = z.infer<typeof ToolClassSchema>;
