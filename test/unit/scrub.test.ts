import { ApplicationFailure } from '@temporalio/common';
import { Scrubber, scrubActivityResults } from '../../activities/scrub';

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
});
