import { visible } from '../common/display-text';
import { argsDigest } from '../common/canonical-json';
import { canonicalJson } from '../common/canonical-json';
import { CHAIN_FIELDS } from './audit-chain';
import type { TrailProblem } from './audit-verify';

// A verified trail compared with the trail rebuilt from the run's history: what a key cannot give an unsigned file.

/** A record with the fields the chain added taken off: what the trail held before it was chained. */
function recordOf(entry: object): Record<string, unknown> {
  const record: Record<string, unknown> = { ...entry };
  for (const field of CHAIN_FIELDS) delete record[field];
  return record;
}

/**
 * Compares a verified trail's entries with the trail rebuilt from the run's history now (unhashed arguments), entry by
 * entry. Arguments the export wrote as `argsSha256` are compared by their digest. A file re-chained after an edit
 * passes verifyTrail without a key, but not this. A run still going may have more entries than the export: `newer`.
 */
export function compareWithHistory(
  entries: readonly object[],
  live: readonly object[],
): { ok: true; newer: number } | { ok: false; problem: TrailProblem } {
  for (let seq = 0; seq < entries.length; seq += 1) {
    const exported = recordOf(entries[seq]!);
    const current = live[seq];
    if (!current) {
      return {
        ok: false,
        problem: {
          kind: 'edited',
          seq,
          message: `entry seq ${seq} is not in the run's history, which has ${live.length} entries: entries were added`,
        },
      };
    }
    const rebuilt = JSON.parse(JSON.stringify(current)) as Record<string, unknown>;
    if ('argsSha256' in exported && 'args' in rebuilt) {
      rebuilt.argsSha256 = argsDigest(rebuilt.args);
      delete rebuilt.args;
    }
    if (canonicalJson(exported) === canonicalJson(rebuilt)) continue;
    // Maps: the field names come from the file.
    const [was, is] = [new Map(Object.entries(exported)), new Map(Object.entries(rebuilt))];
    const fields = [...new Set([...was.keys(), ...is.keys()])]
      .filter((key) => !was.has(key) || !is.has(key) || canonicalJson(was.get(key)) !== canonicalJson(is.get(key)))
      .sort();
    return {
      ok: false,
      problem: {
        kind: 'edited',
        seq,
        message: `entry seq ${seq} differs from the run's history in ${fields.map((field) => visible(field)).join(', ')}`,
      },
    };
  }
  return { ok: true, newer: live.length - entries.length };
}
