import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { parseEncryptionKeys } from '../../shared/codec';
import { RecordSeal, RecordSealError } from '../../shared/store/record-seal';

const key = (id: string) => parseEncryptionKeys(`${id}:${randomBytes(32).toString('base64')}`);

describe('record seal', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  const text = Buffer.from('the plaintext of a stored message');

  test('without keys a record is its bytes behind a marker, and opens anywhere', () => {
    const seal = new RecordSeal(undefined);
    expect(seal.encrypts).toBe(false);
    const record = seal.seal(text, 'ledger:r:c');
    expect(record).toEqual(Buffer.concat([Buffer.from([0]), text]));
    expect(seal.open(record, 'ledger:r:c')).toEqual(text);
    // Written before encryption was turned on: still readable once it is.
    expect(new RecordSeal(k1).open(record, 'ledger:r:c')).toEqual(text);
  });

  test('with keys the record hides the plaintext and opens only in its own place', () => {
    const seal = new RecordSeal(k1);
    expect(seal.encrypts).toBe(true);
    const record = seal.seal(text, 'conversation:c:0');
    expect(record.includes(text)).toBe(false);
    expect(record.includes(Buffer.from('the plaintext'))).toBe(false);
    expect(seal.open(record, 'conversation:c:0')).toEqual(text);
    expect(() => seal.open(record, 'conversation:c:1')).toThrow(/failed authentication with key "k1"/);
    // The same bytes sealed twice differ (fresh IV).
    expect(seal.seal(text, 'conversation:c:0').equals(record)).toBe(false);
  });

  test('the newest key seals; older keys still open; a missing key is named', () => {
    const old = new RecordSeal(k1).seal(text, 'x');
    const rotated = new RecordSeal([...k1, ...k2]);
    expect(rotated.open(old, 'x')).toEqual(text);
    const fresh = rotated.seal(text, 'x');
    expect(() => new RecordSeal(k1).open(fresh, 'x')).toThrow(RecordSealError);
    expect(() => new RecordSeal(k1).open(fresh, 'x')).toThrow(
      /key "k2", which is not among this process's keys \(k1\)/,
    );
    expect(() => new RecordSeal(undefined).open(fresh, 'x')).toThrow(/key "k2".*set REINS_ENCRYPTION_KEYS/);
  });

  test('a changed, truncated or unknown record is refused, never returned as garbage', () => {
    const seal = new RecordSeal(k1);
    const record = seal.seal(text, 'x');
    for (let i = 1; i < record.length; i++) {
      const flipped = Buffer.from(record);
      flipped[i]! ^= 0x01;
      expect(() => seal.open(flipped, 'x')).toThrow(RecordSealError);
    }
    for (let length = 0; length < record.length; length++) {
      expect(() => seal.open(record.subarray(0, length), 'x')).toThrow(RecordSealError);
    }
    expect(() => seal.open(Buffer.from([0x07, 1, 2, 3]), 'x')).toThrow(/is not a record/);
  });

  test('any bytes in any place round-trip, and never open elsewhere', () => {
    const seal = new RecordSeal([...k2, ...k1]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string(), fc.string(), (bytes, context, other) => {
        const record = seal.seal(bytes, context);
        expect(seal.open(record, context)).toEqual(Buffer.from(bytes));
        // A record that starts at an offset in a larger buffer (as pg hands them out) opens too.
        const inside = Buffer.concat([Buffer.from('xx'), record]).subarray(2);
        expect(seal.open(inside, context)).toEqual(Buffer.from(bytes));
        if (other !== context) expect(() => seal.open(record, other)).toThrow(RecordSealError);
      }),
      { numRuns: 300 },
    );
  });
});
