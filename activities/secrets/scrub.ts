import { ApplicationFailure } from '@temporalio/activity';

/** A secret value with the name it is known by; the name is what a redaction shows. */
export interface NamedSecret {
  name: string;
  value: string;
}

/** Shorter values would match ordinary text (`true`, `admin`) and redact what is not secret. */
export const MIN_SCRUB_LENGTH = 8;

/**
 * The base64 characters that depend only on `bytes` when they sit at each of the three offsets a 3-byte block allows,
 * so the value is found inside a longer base64 text too (a header, a config file, a JSON blob).
 */
function base64Cores(bytes: Buffer, url: boolean): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(3)]).toString(url ? 'base64url' : 'base64');
    const first = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    cores.push(encoded.slice(first, end));
  }
  return cores;
}

/** The forms a secret commonly takes in tool output: as is, base64, base64url, URL-encoded and hex. */
export function encodingsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([
    value,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    ...base64Cores(bytes, false),
    ...base64Cores(bytes, true),
  ]);
  return [...forms].filter((form) => form.length >= MIN_SCRUB_LENGTH);
}

/** Replaces known secret values, in any of their common encodings, by `[redacted:NAME]`. */
export class Scrubber {
  private readonly patterns: Array<{ form: string; replacement: string }>;

  constructor(secrets: NamedSecret[]) {
    const seen = new Set<string>();
    const patterns: Array<{ form: string; replacement: string }> = [];
    for (const { name, value } of secrets) {
      if (value.length < MIN_SCRUB_LENGTH) continue;
      for (const form of encodingsOf(value)) {
        if (seen.has(form)) continue;
        seen.add(form);
        patterns.push({ form, replacement: `[redacted:${name}]` });
      }
    }
    // Longest first: a secret containing another is replaced whole, and full encodings before their cores.
    this.patterns = patterns.sort((a, b) => b.form.length - a.form.length);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  text(text: string): string {
    let out = text;
    for (const { form, replacement } of this.patterns) {
      if (out.includes(form)) out = out.split(form).join(replacement);
    }
    return out;
  }

  /** Every string in a JSON-like value, keys included; other values and the shape are kept. */
  deep<T>(value: T): T {
    if (this.empty) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [this.text(key), this.walk(item)]),
      );
    }
    return value;
  }

  /**
   * Scrubs everything a failure carries, in place, so no part of it takes a secret out: message, stack, type, details,
   * every other field of its own (an SDK error's headers, body, code or request id), and the same for each cause. A
   * failure decoded from elsewhere keeps its raw form for re-sending; that form is dropped, so Temporal encodes the
   * scrubbed fields instead. Errors keep their class, so cancellation and the like are still recognised. A thrown
   * value that is not an Error is scrubbed like a result.
   */
  error<E>(error: E): E | ApplicationFailure {
    if (this.empty) return error;
    try {
      return this.any(error, new Map()) as E;
    } catch {
      // A field that cannot be rewritten (frozen, read-only): nothing of the original may leave, only its text.
      const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'activity failed';
      return ApplicationFailure.create({ type: 'Error', message: this.text(message) });
    }
  }

  /**
   * Any value an error may hold: strings, lists, objects of any class (as their own fields), errors and headers. A value
   * met again gets what it became the first time; one met again while still being scrubbed is a cycle and left out.
   */
  private any(value: unknown, done: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (done.has(value)) return done.get(value);
    if (value instanceof Error) {
      done.set(value, value);
      return this.failure(value, done);
    }
    done.set(value, '[circular]');
    const scrubbed = this.container(value, done);
    done.set(value, scrubbed);
    return scrubbed;
  }

  private container(value: object, done: Map<object, unknown>): unknown {
    if (Array.isArray(value)) return value.map((item) => this.any(item, done));
    if (value instanceof Headers) return new Headers([...value].map(([name, text]) => [name, this.text(text)]));
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    if (value instanceof Map)
      return new Map([...value].map(([key, item]) => [this.any(key, done), this.any(item, done)]));
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return this.any(json.call(value), done);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.any(item, done)]));
  }

  private failure(error: Error, done: Map<object, unknown>): Error {
    const fields = error as unknown as Record<string, unknown>;
    // A decoded failure's raw form is what Temporal would send as is; without it, the scrubbed fields are sent.
    if (fields.failure !== undefined) fields.failure = undefined;
    error.message = this.text(error.message);
    if (typeof error.stack === 'string') error.stack = this.text(error.stack);
    if (error.cause !== undefined) error.cause = this.any(error.cause, done);
    // Own enumerable fields only (status, code, headers, details...), each rewritten in place.
    for (const [key, item] of Object.entries(fields)) {
      if (key === 'message' || key === 'stack' || key === 'cause' || key === 'failure') continue;
      Reflect.set(fields, key, this.any(item, done));
    }
    return error;
  }
}

/**
 * Wraps every activity so its result and every part of its failure are scrubbed on the way out: one place, so a new
 * activity cannot forget. The scrubber is built per call, picking up rotated secret files and values resolved meanwhile.
 */
export function scrubActivityResults<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  scrubber: () => Scrubber,
): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return scrubber().deep(await fn(...args));
        } catch (error) {
          throw scrubber().error(error);
        }
      },
    ]),
  ) as T;
}
