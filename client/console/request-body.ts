import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { describeZodIssues } from '../../common/zod-issues';

export const MAX_BODY_BYTES = 256 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a request body up to `limit` bytes; a longer one is refused (413) without reading the rest. */
export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw new BodyError(413, `the body is over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      request.destroy();
      throw new BodyError(413, `the body is over ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A urlencoded form as a list of fields (repeated names kept, in order), then as an object of only the names the
 * schema knows: nothing the browser sends becomes a key unless the schema names it.
 */
export function formFields(body: string): Array<[string, string]> {
  return [...new URLSearchParams(body).entries()];
}

export function parseForm<T extends z.ZodObject>(
  schema: T,
  fields: Array<[string, string]>,
  lists: readonly string[] = [],
): z.output<T> {
  const known = Object.keys(schema.shape);
  const value = new Map<string, string | string[]>();
  for (const [name, text] of fields) {
    if (!known.includes(name)) continue;
    if (lists.includes(name)) {
      const list = value.get(name);
      value.set(name, Array.isArray(list) ? [...list, text] : [text]);
    } else value.set(name, text);
  }
  const parsed = schema.safeParse(Object.fromEntries(value));
  if (!parsed.success) throw new BodyError(400, describeZodIssues(parsed.error));
  return parsed.data;
}

const id = (what: string) => z.string().min(1, `${what} must not be empty`).max(300);

export const SignInFormSchema = z.object({
  token: z.string().min(1, 'token must not be empty').max(500),
  next: z.string().max(500).optional(),
});

export const DecideFormSchema = z.object({
  csrf: z.string().max(200).default(''),
  runId: id('runId'),
  requestId: id('requestId'),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(2000).optional(),
  editedArgs: z
    .string()
    .max(64 * 1024)
    .optional(),
  back: z.string().max(500).optional(),
});
export type DecideForm = z.output<typeof DecideFormSchema>;

export const BulkFormSchema = z.object({
  csrf: z.string().max(200).default(''),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(2000).optional(),
  item: z.array(z.string().min(3).max(700)).min(1, 'item: select at least one request').max(200),
});

/** A bulk item is `runId requestId`, each URI-encoded: neither can hold the space between them. */
export const bulkItem = (runId: string, requestId: string): string =>
  `${encodeURIComponent(runId)} ${encodeURIComponent(requestId)}`;

export function parseBulkItem(item: string): { runId: string; requestId: string } {
  const [run, request, extra] = item.split(' ');
  if (!run || !request || extra !== undefined)
    throw new BodyError(400, `item: "${item.slice(0, 80)}" is not a request`);
  try {
    return { runId: decodeURIComponent(run), requestId: decodeURIComponent(request) };
  } catch {
    throw new BodyError(400, `item: "${item.slice(0, 80)}" is not a request`);
  }
}
