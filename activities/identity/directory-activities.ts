import { ApplicationFailure, log } from '@temporalio/activity';
import { z } from 'zod';
import { ErrorType } from '../../common/errors';
import { RoleDefinitionSchema } from '../../common/policy/tool-settings';
import { describeZodIssues } from '../../common/zod-issues';
import type { DirectoryAnswer, DirectoryQuery } from '../../common/identity/directory';
import { DirectoryInvalidError, type Directory } from './directory';

/** At most this many users per lookup: a run's requester, or a decision's approver, with room to spare. */
export const MAX_DIRECTORY_USERS = 100;
/** The longest user id a run or a decision carries (RunInput.userId, a decision's `by`). */
export const MAX_DIRECTORY_USER_ID = 200;

/**
 * The query as the workflow sent it, read so that nothing in it can fail the lookup: non-strings, empty and
 * overlong ids are dropped (never cut short, which could turn one id into another), repeats asked once, and the
 * rest cut to MAX_DIRECTORY_USERS. A dropped id gets no entry, which the caller reads as not known.
 */
const QuerySchema = z
  .object({
    userIds: z.array(z.unknown()).catch([]),
    roleDefinitions: z.boolean().catch(false),
  })
  .catch({ userIds: [], roleDefinitions: false })
  .transform((query): DirectoryQuery => ({
    userIds: [
      ...new Set(
        query.userIds.filter(
          (id): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_DIRECTORY_USER_ID,
        ),
      ),
    ].slice(0, MAX_DIRECTORY_USERS),
    roleDefinitions: query.roleDefinitions,
  }));

const NameSchema = z.string().min(1).max(MAX_DIRECTORY_USER_ID);

/** An answer as a directory (perhaps an organisation's own code) gave it, checked before it goes into history. */
const AnswerSchema = z.object({
  source: z.string().min(1).max(200),
  entries: z.array(
    z.object({
      userId: z.string(),
      known: z.boolean(),
      roles: z.array(NameSchema).max(1000),
      teams: z.array(NameSchema).max(1000),
    }),
  ),
  roleDefinitions: z.record(NameSchema, RoleDefinitionSchema).optional(),
  stale: z.string().max(4000).optional(),
});

/** The answer's entries for the asked users only, one each, in the order asked: no answer speaks for someone else. */
function checkedAnswer(raw: unknown, query: DirectoryQuery): DirectoryAnswer {
  const parsed = AnswerSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `the directory's answer is invalid: ${describeZodIssues(parsed.error)}`,
      ErrorType.DirectoryInvalid,
    );
  }
  const byUser = new Map<string, DirectoryAnswer['entries'][number]>();
  for (const entry of parsed.data.entries) if (!byUser.has(entry.userId)) byUser.set(entry.userId, entry);
  const entries = query.userIds.flatMap((userId) => {
    const entry = byUser.get(userId);
    return entry ? [entry] : [];
  });
  const { roleDefinitions, stale } = parsed.data;
  return {
    source: parsed.data.source,
    entries,
    ...(query.roleDefinitions && roleDefinitions ? { roleDefinitions } : {}),
    ...(stale === undefined ? {} : { stale }),
  };
}

/**
 * `lookupDirectory`: who the asked users are, by the worker's directory. The workflow calls it as a local activity
 * when a run starts and when a decision arrives, so the answer (and which version gave it) is in the run's history.
 * Undefined when the worker has no directory: the run then takes roles from its input.
 */
export function createDirectoryActivities(directory: Directory | undefined) {
  return {
    async lookupDirectory(input: DirectoryQuery): Promise<DirectoryAnswer | undefined> {
      if (!directory) return undefined;
      // Typed for the workflow's call, read as outside input all the same: the ids in it came from callers.
      const query = QuerySchema.parse(input);
      let raw: unknown;
      try {
        raw = await directory.lookup(query);
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        const message = error instanceof Error ? error.message : String(error);
        // Nothing will change until an operator fixes the directory: fail now, typed, rather than retry for ever.
        if (error instanceof DirectoryInvalidError)
          throw ApplicationFailure.nonRetryable(message, ErrorType.DirectoryInvalid);
        // An outside directory that is down or slow may answer on the next attempt.
        throw ApplicationFailure.retryable(`the directory did not answer: ${message}`, ErrorType.DirectoryUnavailable);
      }
      const answer = checkedAnswer(raw, query);
      if (answer.stale) {
        log.warn('roles directory changed into an invalid one; keeping the last good version', {
          problem: answer.stale,
          source: answer.source,
        });
      }
      return answer;
    },
  };
}
