import {
  ApplicationFailure,
  CancelledFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
} from '@temporalio/common';
import { inspect } from 'node:util';
import { APIError } from 'openai';
import { Scrubber, scrubActivityResults } from '../../activities/secrets/scrub';

const SECRET = 'tok_3f9a8b7c6d5e4f3a';
const scrubber = new Scrubber([{ name: 'API_TOKEN', value: SECRET }]);

describe('scrubbing', () => {
  it('redacts the value as is and in base64, base64url, URL-encoded and hex form', () => {
    const special = 'p@ss/w+rd?=&äö~~~';
    const s = new Scrubber([{ name: 'PW', value: special }]);
    const bytes = Buffer.from(special);
    for (const form of [
      special,
      bytes.toString('base64'),
      bytes.toString('base64url'),
      encodeURIComponent(special),
      bytes.toString('hex'),
    ]) {
      expect(s.text(`before ${form} after`)).toBe('before [redacted:PW] after');
    }
  });

  it('finds base64 of the value inside a longer base64 text at any offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}Authorization: ${SECRET}; more`).toString('base64');
      expect(scrubber.text(encoded)).toContain('[redacted:API_TOKEN]');
    }
  });

  it('leaves short values and unrelated text alone, replaces longer secrets first', () => {
    const s = new Scrubber([
      { name: 'SHORT', value: 'abc' },
      { name: 'INNER', value: 'inner-secret' },
      { name: 'OUTER', value: 'outer-inner-secret-x' },
    ]);
    expect(s.text('abc outer-inner-secret-x inner-secret')).toBe('abc [redacted:OUTER] [redacted:INNER]');
  });

  it('scrubs every string of an activity result and the message of its errors', async () => {
    const activities = scrubActivityResults(
      {
        async ok() {
          return { output: `token ${SECRET}`, nested: [{ [SECRET]: 1 }], n: 3 };
        },
        async fails() {
          throw ApplicationFailure.nonRetryable(`bad ${SECRET}`, 'Bad');
        },
      },
      () => scrubber,
    );
    await expect(activities.ok()).resolves.toEqual({
      output: 'token [redacted:API_TOKEN]',
      nested: [{ '[redacted:API_TOKEN]': 1 }],
      n: 3,
    });
    const error = await activities.fails().catch((e: unknown) => e as ApplicationFailure);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error.message).toBe('bad [redacted:API_TOKEN]');
    expect(error.type).toBe('Bad');
    expect(error.stack).not.toContain(SECRET);
  });

  describe('failures leave an activity with no part unscrubbed', () => {
    const encoded = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex')];
    /** The failure as Temporal would record it, payload bytes as text. */
    const recorded = (error: unknown) =>
      JSON.stringify(new DefaultFailureConverter().errorToFailure(error, defaultPayloadConverter), (_key, value) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : (value as unknown),
      );
    const failing = (error: unknown) =>
      scrubActivityResults(
        {
          async fails(): Promise<never> {
            throw error;
          },
        },
        () => scrubber,
      )
        .fails()
        .catch((e: unknown) => e);
    const expectClean = (text: string) => {
      for (const form of encoded) expect(text).not.toContain(form);
    };

    it('details, type, stack and the whole cause chain, whatever their shape', async () => {
      const provider = new APIError(
        401,
        { message: `bad key ${SECRET}`, code: SECRET },
        `401 bad key ${SECRET}`,
        new Headers({ 'x-request-id': Buffer.from(SECRET).toString('base64') }),
      );
      const cause = new Error(`wrapped: ${SECRET}`, { cause: provider });
      const failure = ApplicationFailure.create({
        type: 'ModelAuthFailed',
        message: `scripted answered 401: ${SECRET}`,
        details: [
          { status: 401, code: SECRET, requestId: Buffer.from(SECRET).toString('hex'), nested: [{ [SECRET]: 1 }] },
        ],
        cause,
      });
      const thrown = await failing(failure);
      expect(thrown).toBe(failure);
      expect(thrown).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe('ModelAuthFailed');
      expect(failure.details).toEqual([
        {
          status: 401,
          code: '[redacted:API_TOKEN]',
          requestId: '[redacted:API_TOKEN]',
          nested: [{ '[redacted:API_TOKEN]': 1 }],
        },
      ]);
      expectClean(recorded(thrown));
      expectClean(JSON.stringify(provider));
      expectClean(String(provider.headers.get('x-request-id')));
      expectClean(inspect(thrown, { depth: 10 }));
    });

    it('a failure decoded from elsewhere is sent from its scrubbed fields, not its raw form', async () => {
      const converter = new DefaultFailureConverter();
      const raw = converter.errorToFailure(
        ApplicationFailure.create({ message: `m ${SECRET}`, type: 'T', details: [SECRET] }),
        defaultPayloadConverter,
      );
      const decoded = converter.failureToError(raw, defaultPayloadConverter);
      expect(recorded(decoded)).toContain(SECRET);
      expectClean(recorded(await failing(decoded)));
    });

    it('cancellation stays cancellation; cycles end; values that are not errors are scrubbed too', async () => {
      expect(await failing(new CancelledFailure(`stop ${SECRET}`))).toBeInstanceOf(CancelledFailure);
      const looped = new Error(`a ${SECRET}`) as Error & { self?: unknown };
      looped.self = looped;
      looped.cause = { back: looped, text: SECRET };
      expectClean(recorded(await failing(looped)));
      expect(await failing(`plain ${SECRET}`)).toBe('plain [redacted:API_TOKEN]');
      expect(await failing({ why: SECRET })).toEqual({ why: '[redacted:API_TOKEN]' });
    });
  });
});
