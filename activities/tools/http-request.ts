import type { z } from 'zod';
import { HTTP_REQUEST, MAX_REDIRECTS } from '../../common/builtin-tools';
import type { ToolClass } from '../../common/agent-spec';
import {
  HttpRequestConfigSchema,
  type HttpHostRule,
  type HttpMethod,
  type HttpRequestConfig,
} from '../../common/builtin-tool-config';
import { describeZodIssues } from '../../common/zod-issues';
import { envSecretSource, SecretResolver } from '../secrets/secret-resolver';
import { classWithOverrides } from './http-method-override';
import { formatResponse } from './http-request-format';
import { sendHop } from './http-request-send';
import { resolveChecked, ruleFor, systemResolver, type Resolver } from './net-guard';
import { defineTool, ToolError, type ToolImplementation } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';

export { MAX_REDIRECTS };

const METHOD_CLASS: Record<HttpMethod, ToolClass> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'write',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'destructive',
};
const RANK: Record<ToolClass, number> = { read: 0, write: 1, destructive: 2 };

type Args = z.output<typeof HTTP_REQUEST.schema>;

export function classOf(method: HttpMethod, rule: HttpHostRule | undefined): ToolClass {
  return rule?.classes[method] ?? METHOD_CLASS[method];
}

function parseConfig(config: unknown): HttpRequestConfig {
  if (config === undefined) {
    throw new ToolError(
      'http_request is not configured for this agent: its spec needs tools[].config.hosts',
      ErrorType.HttpNotConfigured,
    );
  }
  const parsed = HttpRequestConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new ToolError(`http_request config: ${describeZodIssues(parsed.error)}`, ErrorType.HttpNotConfigured);
  return parsed.data;
}

/** The method a redirect continues with: 303 always becomes GET, and 301/302 turn a POST into a GET, as browsers do. */
function redirectedMethod(status: number, method: HttpMethod): HttpMethod {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

export interface HttpRequestToolOptions {
  secrets?: SecretResolver;
  resolve?: Resolver;
}

export function createHttpRequestTool(options: HttpRequestToolOptions = {}): ToolImplementation {
  const secrets = options.secrets ?? new SecretResolver([envSecretSource()]);
  const resolve = options.resolve ?? systemResolver;
  return defineTool<Args>({
    ...HTTP_REQUEST,
    classify(args, config) {
      const parsed = HttpRequestConfigSchema.safeParse(config);
      const rule = parsed.success ? ruleFor(parsed.data.hosts, new URL(args.url).hostname) : undefined;
      return classWithOverrides(args, classOf, rule);
    },
    async execute(args, context) {
      const config = parseConfig(context.config);
      const timeout = AbortSignal.timeout(config.timeoutSeconds * 1000);
      const signal = AbortSignal.any([context.signal, timeout]);
      let url = new URL(args.url);
      let method = args.method;
      let body = typeof args.body === 'string' || args.body === undefined ? args.body : JSON.stringify(args.body);
      const modelHeaders: Record<string, string> = { ...args.headers };
      if (typeof args.body === 'object' && !Object.keys(modelHeaders).some((h) => h.toLowerCase() === 'content-type'))
        modelHeaders['content-type'] = 'application/json';
      // What the server will do, method overrides included, is what was classified and approved.
      const classAt = (rule: HttpHostRule | undefined) =>
        classWithOverrides({ method, url: url.href, headers: modelHeaders, body }, classOf, rule);
      const approvedClass = classAt(ruleFor(config.hosts, url.hostname));
      const notes: string[] = [];
      for (let hop = 0; ; hop += 1) {
        if (url.username || url.password) {
          throw new ToolError(
            'credentials in the URL are refused; the worker adds them per host',
            ErrorType.HttpCredentialsRefused,
          );
        }
        const rule = ruleFor(config.hosts, url.hostname);
        if (!rule) {
          const allowed = config.hosts.map((h) => h.host).join(', ');
          throw new ToolError(
            `host ${url.hostname} is not allowed (allowed: ${allowed})`,
            ErrorType.HttpHostNotAllowed,
          );
        }
        // A redirect must not turn an approved call into a more dangerous one on another host.
        if (RANK[classAt(rule)] > RANK[approvedClass]) {
          throw new ToolError(
            `redirect to ${url.origin} refused: ${method} there is ${classAt(rule)}, the call was ${approvedClass}`,
            ErrorType.HttpRedirectRefused,
          );
        }
        const address = await resolveChecked(url.hostname, rule, resolve);
        const injected = Object.fromEntries(
          Object.entries(rule.headers).map(([name, value]) => [
            name,
            typeof value === 'string' ? value : `${value.prefix ?? ''}${secrets.resolve(value, context.userId)}`,
          ]),
        );
        if (Object.keys(injected).length > 0 && url.protocol !== 'https:' && !rule.allowPrivate) {
          throw new ToolError(
            `refusing to send ${url.hostname}'s credentials over plain http; use https`,
            ErrorType.HttpInsecureCredentials,
          );
        }
        const headers = { ...modelHeaders };
        const injectedNames = new Set(Object.keys(injected).map((key) => key.toLowerCase()));
        for (const name of Object.keys(headers))
          if (injectedNames.has(name.toLowerCase())) Reflect.deleteProperty(headers, name);
        Object.assign(headers, injected);
        let response;
        try {
          response = await sendHop({ url, method, headers, body, address, maxBytes: config.maxResponseBytes, signal });
        } catch (error) {
          if (timeout.aborted && !context.signal.aborted) {
            throw new ToolError(
              `${method} ${url.origin}: no response within ${config.timeoutSeconds} s`,
              ErrorType.HttpTimeout,
            );
          }
          throw error;
        }
        const location = response.headers.location;
        if (response.status >= 300 && response.status < 400 && location && response.status !== 304) {
          if (hop >= MAX_REDIRECTS) {
            throw new ToolError(
              `more than ${MAX_REDIRECTS} redirects, last to ${location}`,
              ErrorType.HttpTooManyRedirects,
            );
          }
          const next = new URL(location, url);
          if (next.protocol !== 'http:' && next.protocol !== 'https:') {
            throw new ToolError(`redirect to ${next.protocol} refused`, ErrorType.HttpRedirectRefused);
          }
          notes.push(`redirected: ${response.status} ${url.href} -> ${next.href}`);
          const nextMethod = redirectedMethod(response.status, method);
          if (nextMethod !== method) body = undefined;
          method = nextMethod;
          url = next;
          continue;
        }
        const text = formatResponse(response, url, notes, config.maxResponseBytes);
        return secrets.scrubber().text(text);
      }
    },
  });
}
