import type { ToolDefinition } from '../chat';
import type { PathTarget } from '../run-state';
import { argAt, type PathForms } from './arg-conditions';

/**
 * Characters that make a path mean something else to a glob than to the file system (a newline defeats `*`), or that
 * no sensible file name has. A path with any of them is not judged: conditions on it hold.
 */
const ODD = /[\u0000-\u001f\u007f\\]/;

/**
 * The workspace-relative path a file tool acts on for `requested`, computed as the tool computes it (resolving `.`,
 * `..` and repeated slashes against the workspace) but without the file system: `.` for the workspace itself, null
 * when the path does not normalise (empty, absolute, leading out of the workspace, control characters or
 * backslashes). Symlinks are the worker's part (see resolveToolPaths).
 */
export function normalizeWorkspacePath(requested: string): string | null {
  if (requested === '' || requested.startsWith('/') || ODD.test(requested)) return null;
  const parts: string[] = [];
  for (const part of requested.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** The workspace paths among a call's arguments: those of its tool's `pathArgs` that are strings. */
export function pathArgsOf(definition: ToolDefinition, args: unknown): Array<{ arg: string; requested: string }> {
  return (definition.pathArgs ?? []).flatMap((arg) => {
    const requested = argAt(args, arg);
    return typeof requested === 'string' ? [{ arg, requested }] : [];
  });
}

/**
 * Each path argument with its target: the worker's resolution through symlinks when there is one (`resolved`, by
 * position), else the lexical normalisation. Null means the tool would refuse the path, or it cannot be judged.
 */
export function pathTargets(
  definition: ToolDefinition,
  args: unknown,
  resolved?: ReadonlyArray<string | null>,
): PathTarget[] {
  return pathArgsOf(definition, args).map(({ arg, requested }, index) => {
    const lexical = normalizeWorkspacePath(requested);
    const real = resolved ? (resolved[index] ?? null) : lexical;
    return { arg, requested, resolved: lexical === null ? null : real };
  });
}

/** The forms each path argument is tested in: its normalised path and where it resolves, or null (fail closed). */
export function pathForms(targets: readonly PathTarget[]): PathForms {
  const forms = new Map<string, readonly string[] | null>();
  for (const { arg, requested, resolved } of targets) {
    const lexical = normalizeWorkspacePath(requested);
    forms.set(arg, lexical === null || resolved === null ? null : [...new Set([lexical, resolved])]);
  }
  return forms;
}
