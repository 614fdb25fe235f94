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

  /** Scrubs an error's message (and stack, which repeats it) in place, so a failure does not carry a secret out. */
  error<E>(error: E): E {
    if (this.empty || !(error instanceof Error)) return error;
    error.message = this.text(error.message);
    if (error.stack) error.stack = this.text(error.stack);
    return error;
  }
}

/**
 * Wraps every activity so its result and its error message are scrubbed on the way out: one place, so a new activity
 * cannot forget. The scrubber is built per call, picking up rotated secret files and values resolved meanwhile.
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
