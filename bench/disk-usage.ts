import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';

/** Total size of the files under `dir` (0 when it does not exist yet). */
export async function directoryBytes(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  const sizes = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return directoryBytes(full);
      return entry.isFile() ? (await fs.stat(full)).size : 0;
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
