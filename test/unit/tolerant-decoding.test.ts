import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, StorageDriverClaim, type Payload } from '@temporalio/common';
import { EncryptionCodec, parseEncryptionKeys } from '../../shared/codec';
import { payloadConverter } from '../../shared/payload-converter';
import { BlobStorageDriver } from '../../shared/payload-storage';
import { FilesystemBlobStore } from '../../shared/store/fs-blob-store';

const fileDriver = (dir: string, options: ConstructorParameters<typeof BlobStorageDriver>[1] = {}) =>
  new BlobStorageDriver(new FilesystemBlobStore(dir), options);
import { TolerantCodec, TolerantExternalStorage } from '../../shared/tolerant-decoding';
import { undecodableReason } from '../../common/undecodable';

const bytes = (text: string) => new TextEncoder().encode(text);
const reasonOf = (payload: Payload) => undecodableReason(payloadConverter.fromPayload(payload));
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'reins-tolerant-'));

describe("the worker's tolerant decoding", () => {
  test('the converter reads what the default converter reads, and marks the rest with the reason', () => {
    const value = { requestId: '1-1', by: '__proto__', reason: 'x' };
    expect(payloadConverter.fromPayload(defaultPayloadConverter.toPayload(value))).toEqual(value);
    expect(reasonOf({ metadata: { encoding: bytes('application/x-unknown') }, data: bytes('{}') })).toMatch(
      /Unknown encoding: application\/x-unknown/,
    );
    expect(reasonOf({ metadata: { encoding: bytes('json/plain') }, data: bytes('{nope') })).toMatch(/^SyntaxError: /);
    expect(reasonOf({ data: bytes('{}') })).toEqual(expect.any(String));
    // Data that only looks like a marker is data.
    expect(reasonOf(defaultPayloadConverter.toPayload({ reason: 'r', 'reins.undecodablePayload': true }))).toBe(
      undefined,
    );
  });

  test('the codec marks a payload it cannot decrypt and decodes its neighbours', async () => {
    const mine = new EncryptionCodec(parseEncryptionKeys(`a:${randomBytes(32).toString('base64')}`));
    const theirs = new EncryptionCodec(parseEncryptionKeys(`b:${randomBytes(32).toString('base64')}`));
    const plain = defaultPayloadConverter.toPayload('hello');
    const [good] = await mine.encode([plain]);
    const [foreign] = await theirs.encode([plain]);
    const decoded = await new TolerantCodec([mine]).decode([good!, foreign!]);
    expect(payloadConverter.fromPayload(decoded[0]!)).toBe('hello');
    expect(reasonOf(decoded[1]!)).toMatch(/encrypted with key "b", which is not among this process's keys/);
    await expect(mine.decode([foreign!])).rejects.toThrow(/key "b"/);
  });

  test('a claim the store cannot resolve is marked on a worker and an error on a client', async () => {
    const dir = tempDir();
    const claim = new StorageDriverClaim({ key: 'ab'.repeat(32) });
    const [missing] = await fileDriver(dir, { tolerant: true }).retrieve({}, [claim]);
    expect(reasonOf(missing!)).toMatch(/payload (ab){32} is not in the payload directory .*REINS_STORE/);
    const [invalid] = await fileDriver(dir, { tolerant: true }).retrieve({}, [
      new StorageDriverClaim({ key: '../../etc/passwd' }),
    ]);
    expect(reasonOf(invalid!)).toMatch(/payload claim without a valid key/);
    await expect(fileDriver(dir).retrieve({}, [claim])).rejects.toThrow(/is not in/);
    const store = new TolerantExternalStorage({ drivers: [fileDriver(dir)] });
    const [unknown] = await store.getDriver('elsewhere')!.retrieve({}, [claim]);
    expect(reasonOf(unknown!)).toBe('no payload store named "elsewhere" on this worker');
  });

  test('a store that fails to answer fails the read on a worker too, so the task is retried rather than the run ended', async () => {
    const dir = tempDir();
    const driver = fileDriver(dir, { tolerant: true });
    const payload = defaultPayloadConverter.toPayload({ big: 'x'.repeat(100) });
    const [claim] = await driver.store({}, [payload]);
    const [back] = await driver.retrieve({}, [claim!]);
    expect(payloadConverter.fromPayload(back!)).toEqual({ big: 'x'.repeat(100) });
    // The blob's file turns into a directory: reading it is an I/O error (EISDIR), not a missing payload.
    const blobs = driver.blobs as FilesystemBlobStore;
    const file = path.join(blobs.runDir(''), claim!.claimData.key!);
    const legacy = path.join(dir, claim!.claimData.key!.slice(0, 2), claim!.claimData.key!);
    const target = existsSync(file) ? file : legacy;
    rmSync(target);
    mkdirSync(target);
    await expect(driver.retrieve({}, [claim!])).rejects.toThrow(/EISDIR/);
    // Bytes that are no payload will never decode: marked, as a missing one is.
    rmSync(target, { recursive: true });
    writeFileSync(target, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const [garbled] = await driver.retrieve({}, [claim!]);
    expect(reasonOf(garbled!)).toMatch(/is not a payload/);
  });

  test('a client without a declared shared store warns once when it first writes a claim', async () => {
    const warnings: string[] = [];
    const driver = fileDriver(tempDir(), { warn: (message) => warnings.push(message) });
    await driver.store({}, [defaultPayloadConverter.toPayload('a'.repeat(2000))]);
    await driver.store({}, [defaultPayloadConverter.toPayload('b'.repeat(2000))]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /set REINS_STORE to the workers' PostgreSQL store, or REINS_PAYLOAD_DIR to the directory they use/,
      ),
    ]);
  });
});
