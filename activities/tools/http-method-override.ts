import type { ToolClass } from '../../common/agent-spec';
import { HttpMethodSchema, type HttpHostRule, type HttpMethod } from '../../common/builtin-tool-config';

/**
 * Many servers (Rails, Laravel, Express's method-override, Google and Azure APIs) run a POST or GET as the method
 * named in a header or a `_method` field. A call is classified as the most dangerous of the methods it carries, so an
 * override cannot turn a DELETE into something that runs without approval.
 */
const OVERRIDE_HEADERS = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);
const OVERRIDE_FIELD = '_method';

const RANK: Record<ToolClass, number> = { read: 0, write: 1, destructive: 2 };

/** An override names a method we know, or something we cannot judge (which counts as destructive). */
export type OverrideSignal = { method: HttpMethod } | { unknown: string };

function signalOf(value: unknown): OverrideSignal {
  const text = typeof value === 'string' ? value.trim().toUpperCase() : '';
  const known = HttpMethodSchema.safeParse(text);
  return known.success ? { method: known.data } : { unknown: String(value) };
}

function fieldsNamedMethod(entries: Iterable<[string, unknown]>): OverrideSignal[] {
  const found: OverrideSignal[] = [];
  for (const [name, value] of entries) if (name.trim().toLowerCase() === OVERRIDE_FIELD) found.push(signalOf(value));
  return found;
}

function bodySignals(body: unknown): OverrideSignal[] {
  if (body === undefined) return [];
  const found: OverrideSignal[] = [];
  let text: string;
  if (typeof body === 'string') {
    text = body;
    found.push(...fieldsNamedMethod(new URLSearchParams(body).entries()));
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        found.push(...fieldsNamedMethod(Object.entries(parsed)));
      }
    } catch {
      // not JSON: the form reading above is all there is
    }
  } else {
    text = JSON.stringify(body) ?? '';
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      found.push(...fieldsNamedMethod(Object.entries(body)));
    }
  }
  // A `_method` the readings above did not find (multipart, XML, a nested field) still counts, as one we cannot judge.
  if (found.length === 0 && text.toLowerCase().includes(OVERRIDE_FIELD)) found.push({ unknown: 'in the body' });
  return found;
}

/** Every method-override signal in a call: headers (any case), `_method` in the query string, form or JSON body. */
export function overrideSignals(call: {
  url: string;
  headers?: Readonly<Record<string, string>>;
  body?: unknown;
}): OverrideSignal[] {
  const found: OverrideSignal[] = [];
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (OVERRIDE_HEADERS.has(name.toLowerCase())) found.push(signalOf(value));
  }
  let query: URLSearchParams;
  try {
    query = new URL(call.url).searchParams;
  } catch {
    return [...found, { unknown: 'unparsable url' }];
  }
  found.push(...fieldsNamedMethod(query.entries()), ...bodySignals(call.body));
  return found;
}

/** The class of a call: its method's, raised to that of any method it asks the server to run instead. */
export function classWithOverrides(
  call: { method: HttpMethod; url: string; headers?: Readonly<Record<string, string>>; body?: unknown },
  classOf: (method: HttpMethod, rule: HttpHostRule | undefined) => ToolClass,
  rule: HttpHostRule | undefined,
): ToolClass {
  let worst = classOf(call.method, rule);
  for (const signal of overrideSignals(call)) {
    const overridden = 'method' in signal ? classOf(signal.method, rule) : 'destructive';
    if (RANK[overridden] > RANK[worst]) worst = overridden;
  }
  return worst;
}
