import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDirectoryName } from '../../activities/tools/workspace';
import { DEMO_FILES } from './demo-script';

export function runWorkspace(dataDir: string, runId: string): string {
  return path.join(dataDir, 'workspaces', runDirectoryName(runId));
}

/** Puts the demo's files where the run's tools will look, before the run starts. */
export async function seedWorkspace(dataDir: string, runId: string): Promise<string> {
  const dir = runWorkspace(dataDir, runId);
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(DEMO_FILES)) await fs.writeFile(path.join(dir, name), content);
  return dir;
}
