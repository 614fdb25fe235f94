import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** An operator's YAML file as read: its parsed value and its version (first 12 hex digits of the text's SHA-256). */
export interface YamlFile {
  raw: unknown;
  version: string;
}

/**
 * Reads and parses a YAML file the platform controls (the policy, the roles file). `fail` builds the error for a file
 * that cannot be read or parsed; its message names the file, as every error about these files does.
 */
export function readYamlFile(file: string, fail: (message: string) => Error): YamlFile {
  try {
    const text = readFileSync(file, 'utf8');
    return { raw: parseYaml(text) as unknown, version: createHash('sha256').update(text).digest('hex').slice(0, 12) };
  } catch (error) {
    throw fail((error as Error).message);
  }
}
