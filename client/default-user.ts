import os from 'node:os';

/**
 * Who a run acts for when the caller names nobody: $REINS_USER, else the login ($USER, $LOGNAME), else the operating
 * system's name for this account. The CLI, `npm start` and the docs all use this one rule.
 */
export function defaultUserId(env: NodeJS.ProcessEnv = process.env): string {
  const named = [env.REINS_USER, env.USER, env.LOGNAME].find((value) => value !== undefined && value.trim() !== '');
  if (named) return named.trim();
  try {
    return os.userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers): still a stable, honest name.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
