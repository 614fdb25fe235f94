import fc from 'fast-check';
import { createHttpRequestTool } from '../../activities/tools/http-request';
import { overrideSignals } from '../../activities/tools/http-method-override';

const tool = createHttpRequestTool();
const config = { hosts: [{ host: 'api.example.com' }, { host: 'archive.example.com', classes: { DELETE: 'write' } }] };
const classify = async (args: Record<string, unknown>) => tool.classify?.(tool.schema.parse(args), config);

describe('http_request method overrides', () => {
  test.each([
    ['X-HTTP-Method-Override header', { headers: { 'X-HTTP-Method-Override': 'DELETE' } }],
    ['lower-case header', { headers: { 'x-http-method-override': 'delete' } }],
    ['X-HTTP-Method header', { headers: { 'X-HTTP-Method': 'DELETE' } }],
    ['X-Method-Override header', { headers: { 'X-METHOD-OVERRIDE': ' Delete ' } }],
    ['_method in the query', { url: 'https://api.example.com/orders/1?_method=DELETE' }],
    ['_method in a form body', { method: 'POST', body: 'a=1&_method=DELETE' }],
    ['_method in a JSON body', { method: 'POST', body: { _method: 'DELETE', id: 1 } }],
    ['_method in JSON text', { method: 'POST', body: '{"_METHOD":"delete"}' }],
    ['an unknown override value', { headers: { 'X-HTTP-Method-Override': 'PURGE' } }],
    ['a _method nested where it cannot be read', { method: 'POST', body: { data: { _method: 'DELETE' } } }],
  ])('a GET or POST carrying %s is destructive', async (_label, extra) => {
    expect(await classify({ method: 'GET', url: 'https://api.example.com/orders/1', ...extra })).toBe('destructive');
  });

  test('an override to a milder method does not lower the class; host class overrides still apply', async () => {
    const url = 'https://api.example.com/orders/1';
    expect(await classify({ method: 'POST', url, headers: { 'X-HTTP-Method-Override': 'GET' } })).toBe('write');
    expect(await classify({ method: 'GET', url, headers: { 'X-HTTP-Method-Override': 'PATCH' } })).toBe('write');
    const archive = 'https://archive.example.com/orders/1';
    expect(await classify({ method: 'GET', url: archive, headers: { 'X-HTTP-Method': 'DELETE' } })).toBe('write');
    expect(await classify({ method: 'GET', url })).toBe('read');
    expect(await classify({ method: 'POST', url, body: { method: 'DELETE' } })).toBe('write');
  });

  test('property: any override header, whatever its case, makes the call at least as dangerous as its value', async () => {
    const headerName = fc
      .constantFrom('x-http-method-override', 'x-http-method', 'x-method-override')
      .chain((name) =>
        fc
          .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
          .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')),
      );
    const value = fc.oneof(
      fc.constantFrom('DELETE', 'delete', ' Delete', 'DeLeTe '),
      fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !/^\s*(get|head|post|put|patch)\s*$/i.test(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH'), headerName, value, async (m, h, v) => {
        const args = { method: m, url: 'https://api.example.com/x', headers: { [h]: v } };
        expect(overrideSignals(args)).toHaveLength(1);
        expect(await classify(args)).toBe('destructive');
      }),
    );
  });

  test('property: a _method field in the query or body, in any case, is never classified below its value', async () => {
    const field = fc.constantFrom('_method', '_METHOD', '_Method');
    const where = fc.constantFrom('query', 'form', 'json');
    await fc.assert(
      fc.asyncProperty(field, where, fc.constantFrom('DELETE', 'delete', 'Remove', ''), async (f, w, v) => {
        const url = `https://api.example.com/x${w === 'query' ? `?${f}=${encodeURIComponent(v)}` : ''}`;
        const body = w === 'form' ? `${f}=${encodeURIComponent(v)}` : w === 'json' ? { [f]: v } : undefined;
        expect(await classify({ method: 'POST', url, ...(body === undefined ? {} : { body }) })).toBe('destructive');
      }),
    );
  });
});
