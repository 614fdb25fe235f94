import type * as TemporalClient from '@temporalio/client';
import { CommanderError } from 'commander';
import { WorkerConfigError } from '../common/worker-config-error';
import {
  AgentFileError,
  InvalidOptionsError,
  PayloadUnreadableError,
  PolicyFileInvalidError,
  PolicyViolationError,
  RunAlreadyExistsError,
  RunInputInvalidError,
  RunNotFoundError,
  ServerUnreachableError,
  TemporalConnectionConfigError,
} from '../client/errors';

/** 0: done. 1: the run failed or ended without an answer, a decision was refused, or anything unexpected. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** 2: the command could not be carried out as typed: fix the command line, the file or the address and retry. */
export const EXIT_USAGE = 2;

/**
 * 3: the command printed what it could, but part of the run could not be decoded (wrong encryption keys, a claim-check
 * file missing); stderr names each part. Never silently partial.
 */
export const EXIT_UNREADABLE = 3;

/** A bad flag value or argument the CLI caught itself; the message names the flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  UsageError,
  AgentFileError,
  RunInputInvalidError,
  RunNotFoundError,
  RunAlreadyExistsError,
  InvalidOptionsError,
  ServerUnreachableError,
  TemporalConnectionConfigError,
  WorkerConfigError,
  PolicyFileInvalidError,
  PolicyViolationError,
];

/**
 * A wrong --namespace. The class lives in @temporalio/client, which `--help` and offline commands never load: only an
 * error of that name is checked against it, and such an error comes from the already loaded SDK.
 */
function isNamespaceNotFound(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'NamespaceNotFoundError') return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NamespaceNotFoundError } = require('@temporalio/client') as typeof TemporalClient;
  return error instanceof NamespaceNotFoundError;
}

export function exitCodeOf(error: unknown): number {
  // Commander has already printed its message (or the help) by the time it throws.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof PayloadUnreadableError) return EXIT_UNREADABLE;
  return USAGE_ERRORS.some((type) => error instanceof type) || isNamespaceNotFound(error) ? EXIT_USAGE : EXIT_FAILED;
}

export function describeError(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.name, message: error.message };
  return { type: 'Error', message: String(error) };
}
