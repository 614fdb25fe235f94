import { z } from 'zod';

/** Who is signed in to the console: the console decides as `userId`, never as a name the browser sends. */
export interface ConsoleIdentity {
  userId: string;
  roles: string[];
}

export const ConsoleIdentitySchema = z.strictObject({
  userId: z.string().min(1).max(200),
  roles: z.array(z.string().min(1).max(200)).max(100).default([]),
});
