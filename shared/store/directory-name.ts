import { createHash } from 'node:crypto';

/** A directory name for a run id that may contain any characters; the hash keeps distinct ids distinct. */
export function runDirectoryName(runId: string): string {
  const readable = runId.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 10);
  return `${readable}-${hash}`;
}
