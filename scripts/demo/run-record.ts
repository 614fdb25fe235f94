import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The demo's run in progress, so a second `npm start` finishes it instead of starting another. */
const DemoRunRecordSchema = z.strictObject({
  runId: z.string().min(1),
  startedAt: z.string(),
  offline: z.boolean(),
});
export type DemoRunRecord = z.infer<typeof DemoRunRecordSchema>;

export function recordPath(dataDir: string): string {
  return path.join(dataDir, 'demo-run.json');
}

export async function readRecord(dataDir: string): Promise<DemoRunRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(recordPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = DemoRunRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // A damaged record only costs a fresh run.
    return undefined;
  }
}

export async function writeRecord(dataDir: string, record: DemoRunRecord): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(recordPath(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

export async function clearRecord(dataDir: string): Promise<void> {
  await fs.rm(recordPath(dataDir), { force: true });
}
