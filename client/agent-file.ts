import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AgentSpec } from '../common/agent-spec';
import { checkAgentSpec } from './define-agent';
import { AgentFileError } from './errors';

/** Reads an agent spec from a YAML or JSON file; errors name the file and each bad field. */
export async function loadAgentFile(file: string): Promise<AgentSpec> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new AgentFileError(
      `cannot read agent file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let raw: unknown;
  try {
    raw = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new AgentFileError(
      `agent file ${file} is not valid ${path.extname(file).slice(1) || 'YAML'}: ${(error as Error).message}`,
    );
  }
  const checked = checkAgentSpec(raw);
  if (!checked.ok) throw new AgentFileError(`agent file ${file} is invalid: ${checked.problems}`);
  return checked.spec;
}
