import { verify, type KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { visible } from '../common/display-text';
import { entryHash, genesisHash, headSigningInput, keyIdOf, TRAIL_FORMAT, type TrailHead } from './audit-chain';

// Checking an exported audit trail (client/audit-chain.ts writes it) as the file is; client/audit-compare.ts compares
// it with the run's history. Everything in the file is hostile until it has been read with zod and its hashes recomputed.

/** An export is far smaller than this; the bound keeps a wrong or hostile file from filling memory. */
export const MAX_TRAIL_BYTES = 256 * 1024 * 1024;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

// Loose: an entry holds whatever its record held, and all of it is hashed, so only the chain's own fields are typed.
const EntrySchema = z.looseObject({
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  prev: Hex64,
  hash: Hex64,
  kind: z.string().max(100),
});

// Strict: a head is small and fixed for a format; anything else in it means the file is not what it claims.
const HeadSchema = z.strictObject({
  kind: z.literal('audit_head'),
  format: z.literal(TRAIL_FORMAT),
  workflowId: z.string().min(1).max(1000),
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  last: Hex64,
  exportedAt: z.string().max(100),
  unreadableParts: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  signature: z
    .strictObject({
      alg: z.literal('ed25519'),
      keyId: Hex64,
      value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected a base64 Ed25519 signature'),
    })
    .optional(),
});

export type TrailProblemKind =
  | 'unreadable' // not a trail at all: not UTF-8, not JSON, wrong types, no head
  | 'edited' // an entry's hash does not match its content
  | 'moved' // an entry removed, inserted or reordered (seq or prev breaks)
  | 'truncated' // the head counts more entries than the file holds
  | 'head' // the head does not close this chain, or names another run
  | 'signature'; // unsigned when a key was given, or the signature does not verify

export interface TrailProblem {
  kind: TrailProblemKind;
  /** The first bad entry, when the problem is one entry's. */
  seq?: number;
  line?: number;
  message: string;
}

export type TrailEntryRead = z.output<typeof EntrySchema>;

export type TrailVerdict =
  | {
      ok: true;
      head: TrailHead;
      entries: TrailEntryRead[];
      /** verified: with the given key; unchecked: signed, but no key was given; unsigned: no signature, none asked. */
      signature: 'verified' | 'unchecked' | 'unsigned';
    }
  | { ok: false; problem: TrailProblem };

/** A trail file that cannot be read at all (missing, not a regular file, too large). */
export class TrailFileError extends Error {
  override name = 'TrailFileError';
}

/** The text of an exported trail file, refusing what is not a regular file or is past `maxBytes`. */
export async function readTrailFile(file: string, maxBytes = MAX_TRAIL_BYTES): Promise<Buffer> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new TrailFileError(`cannot open ${file}${error.code ? ` (${error.code})` : ''}`);
  });
  try {
    const stat = await handle.stat();
    // A device or pipe (/dev/zero, a FIFO) would be read without end.
    if (!stat.isFile()) throw new TrailFileError(`${file} is not a regular file`);
    if (stat.size > maxBytes) {
      throw new TrailFileError(`${file} is ${stat.size} bytes, more than the ${maxBytes} an audit trail is read up to`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || 'value'}: ${issue.message}`)
    .join('; ');

const bad = (kind: TrailProblemKind, message: string, at: { seq?: number; line?: number } = {}): TrailVerdict => ({
  ok: false,
  problem: { kind, message, ...at },
});

type Line = { line: number; value: unknown };

function parseLines(bytes: Buffer): Line[] | TrailVerdict {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bad('unreadable', 'the file is not UTF-8 text: it is not an export of reins audit');
  }
  const lines: Line[] = [];
  const raw = text.split('\n');
  for (let index = 0; index < raw.length; index += 1) {
    const source = raw[index]!.replace(/\r$/, '');
    if (source.trim() === '') continue;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      return bad('unreadable', `line ${line} is not JSON: the file is not an export of reins audit`, { line });
    }
    // The hash covers the parsed value; a line that is not exactly as written (a key repeated, so that two readers
    // could see different values, or the line reformatted) is refused rather than verified as something else.
    if (JSON.stringify(value) !== source) {
      return bad(
        'unreadable',
        `line ${line} is not written as reins audit writes it (reformatted, or a key repeated)`,
        {
          line,
        },
      );
    }
    lines.push({ line, value });
  }
  return lines;
}

function checkSignature(
  head: TrailHead,
  publicKey: KeyObject | undefined,
): TrailVerdict | 'verified' | 'unchecked' | 'unsigned' {
  if (!head.signature) {
    return publicKey
      ? bad('signature', 'the head is not signed, but a public key was given to check its signature')
      : 'unsigned';
  }
  if (!publicKey) return 'unchecked';
  if (verify(null, headSigningInput(head), publicKey, Buffer.from(head.signature.value, 'base64'))) return 'verified';
  const given = keyIdOf(publicKey);
  return bad(
    'signature',
    head.signature.keyId === given
      ? 'the head signature is invalid: the head was changed after it was signed, or the signature is forged'
      : `the head signature is invalid with the given public key (key ${given}); the head names key ${head.signature.keyId}`,
  );
}

/**
 * Checks an exported trail: every entry's hash against its content, its seq and prev against its place in the chain,
 * the head's count and last hash against the entries, and the head's signature against `publicKey` if given. Stops at
 * the first problem and names it. `workflowId`, if given, is the run the trail must be of.
 */
export function verifyTrail(bytes: Buffer, options: { publicKey?: KeyObject; workflowId?: string } = {}): TrailVerdict {
  try {
    return verifyBytes(bytes, options);
  } catch (error) {
    // Reading, writing and hashing JSON recurse; a hostile file nests deep enough to exhaust the stack.
    if (error instanceof RangeError) {
      return bad('unreadable', 'the file nests values too deeply to be read: it is not an export of reins audit');
    }
    throw error;
  }
}

function verifyBytes(bytes: Buffer, options: { publicKey?: KeyObject; workflowId?: string }): TrailVerdict {
  const lines = parseLines(bytes);
  if (!Array.isArray(lines)) return lines;
  const last = lines.at(-1);
  if (!last) return bad('unreadable', 'the file holds no records: it is not an export of reins audit');
  const head = HeadSchema.safeParse(last.value);
  if (!head.success) {
    const entry = EntrySchema.safeParse(last.value);
    return entry.success
      ? bad('truncated', `the file ends at entry seq ${entry.data.seq} without its head record: its end was cut off`, {
          line: last.line,
        })
      : bad('unreadable', `line ${last.line} is not a head record (${describeIssues(head.error)})`, {
          line: last.line,
        });
  }
  const workflowId = head.data.workflowId;
  if (options.workflowId !== undefined && options.workflowId !== workflowId) {
    return bad('head', `the trail is of run ${visible(workflowId)}, not of run ${visible(options.workflowId)}`);
  }

  const entries: TrailEntryRead[] = [];
  let prev = genesisHash(workflowId);
  for (const { line, value } of lines.slice(0, -1)) {
    const seq = entries.length;
    if (HeadSchema.safeParse(value).success) {
      return bad('moved', `line ${line} is a head record with entries after it: entries were appended`, { seq, line });
    }
    const parsed = EntrySchema.safeParse(value);
    if (!parsed.success) {
      return bad('unreadable', `line ${line} is not an audit trail entry (${describeIssues(parsed.error)})`, {
        seq,
        line,
      });
    }
    const entry = parsed.data;
    // Content first: an edited entry (seq and prev included) is named as edited, not as moved.
    if (entryHash(value as object) !== entry.hash) {
      return bad('edited', `entry seq ${seq} (line ${line}): its hash does not match its content: it was edited`, {
        seq,
        line,
      });
    }
    if (entry.seq > seq) {
      return bad(
        'moved',
        `entry seq ${seq} is missing (line ${line} holds seq ${entry.seq}): it was removed, or entries were reordered`,
        { seq, line },
      );
    }
    if (entry.seq < seq) {
      return bad(
        'moved',
        `entry seq ${seq} (line ${line}) holds seq ${entry.seq} again: an entry was inserted or entries were reordered`,
        { seq, line },
      );
    }
    if (entry.prev !== prev) {
      return bad(
        'moved',
        seq === 0
          ? `entry seq 0 (line ${line}): prev is not the genesis of run ${visible(workflowId)}: it comes from another run`
          : `entry seq ${seq} (line ${line}): prev is not the hash of entry seq ${seq - 1}: ` +
              `an entry was removed, inserted or reordered, or entry seq ${seq - 1} was rewritten`,
        { seq, line },
      );
    }
    entries.push(entry);
    prev = entry.hash;
  }

  if (head.data.count !== entries.length) {
    return head.data.count > entries.length
      ? bad(
          'truncated',
          `the head counts ${head.data.count} entries but the file holds ${entries.length}: ` +
            `entries after seq ${entries.length - 1} were removed`,
          { seq: entries.length },
        )
      : bad('head', `the head counts ${head.data.count} entries but the file holds ${entries.length}`, {
          seq: head.data.count,
        });
  }
  if (head.data.last !== prev) {
    return bad(
      'head',
      `the head's last hash is not the hash of entry seq ${entries.length - 1}: it does not close this chain`,
    );
  }
  const signature = checkSignature(head.data, options.publicKey);
  if (typeof signature !== 'string') return signature;
  return { ok: true, head: head.data, entries, signature };
}
