import os from 'node:os';
import type { CodeResult } from './sandbox';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/** What a signal usually means here, so the model can tell a limit from a crash. */
const SIGNAL_HINTS: ReadonlyMap<string, string> = new Map([
  ['SIGXCPU', 'CPU time limit reached'],
  ['SIGXFSZ', 'file size limit reached'],
  ['SIGKILL', 'killed'],
  ['SIGSEGV', 'crashed'],
]);

function describeExit(result: CodeResult): string {
  const signal =
    result.signal ??
    (result.exitCode !== null && result.exitCode > 128 ? SIGNAL_NAMES.get(result.exitCode - 128) : undefined);
  const hint = signal ? SIGNAL_HINTS.get(signal) : undefined;
  if (result.exitCode !== null) {
    return `exit code: ${result.exitCode}${signal ? ` (128+${signal}${hint ? `: ${hint}` : ''})` : ''}`;
  }
  return `exit code: none (ended by ${result.signal ?? 'unknown'}${hint ? `: ${hint}` : ''})`;
}

function stream(name: string, text: string, truncated: boolean, cap: number): string {
  if (!text && !truncated) return `${name}: (empty)`;
  const size = Buffer.byteLength(text);
  const header = truncated
    ? `${name} (first ${size} bytes; cut at the ${cap}-byte limit):`
    : `${name} (${size} bytes):`;
  return `${header}\n${text.endsWith('\n') ? text : `${text}\n`}`.trimEnd();
}

/** The tool's answer to the model: how the code ended, then its output, each part labelled. */
export function formatCodeReport(
  result: CodeResult,
  options: { seconds: number; maxOutputBytes: number; notes: string[] },
): string {
  const lines = [...options.notes];
  if (result.timedOut) {
    lines.push(`TIMED OUT after ${options.seconds} s: the code and every process it started were killed.`);
  }
  if (result.stdoutTruncated || result.stderrTruncated) {
    lines.push(
      `OUTPUT LIMIT: more than ${options.maxOutputBytes} bytes on one stream, so the code was killed. ` +
        'Write large output to a file in the workspace and read what you need.',
    );
  }
  lines.push(describeExit(result), `duration: ${(result.durationMs / 1000).toFixed(1)} s`);
  lines.push(stream('stdout', result.stdout, result.stdoutTruncated, options.maxOutputBytes));
  lines.push(stream('stderr', result.stderr, result.stderrTruncated, options.maxOutputBytes));
  return lines.join('\n');
}
