import fc from 'fast-check';
import { parse as parseConnectionString } from 'pg-connection-string';
import { PostgresStore } from '../../shared/store/postgres/pg-store';
import {
  describeStore,
  postgresStoreSettings,
  redactedStoreUrl,
  scrubStoreSecrets,
  StoreConfigError,
  storeSettingsFromEnv,
} from '../../shared/store/store-settings';

/** Characters a password may hold, including the ones URLs give meaning to. */
const ODD = [...'@:/?#%[]\\ &=+;,$!*\'"()<>{}|^`~\t', 'é', '密', '🔑', '%40', '%2F', '%25', '%zz', '%4'];
const passwordChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._') },
  { weight: 2, arbitrary: fc.constantFrom(...ODD) },
);
/** Long enough that finding it in a message is never a coincidence with the URL's other parts. */
const password = fc.array(passwordChar, { minLength: 8, maxLength: 24 }).map((chars) => chars.join(''));

/**
 * Ways a password gets into a URL: as typed, percent-encoded, or with only the URL's delimiters encoded; in the
 * authority or a parameter. In a parameter, an unencoded `&` or `#` ends the value by the URL's own grammar, so a
 * parameter's password is always at least partly encoded. `driver` is the password as pg itself reads the URL.
 */
const urlWithPassword = fc
  .tuple(
    password,
    fc.constantFrom('raw', 'encoded', 'partly'),
    fc.constantFrom('authority', 'param', 'sslparam'),
    fc.constantFrom('postgres', 'postgresql'),
  )
  .map(([secret, encoding, place, scheme]) => {
    const written =
      encoding === 'encoded'
        ? encodeURIComponent(secret)
        : encoding === 'raw' && place === 'authority'
          ? secret
          : secret.replace(/[@/?#%&+=]/g, (c) => encodeURIComponent(c));
    const url =
      place === 'authority'
        ? `${scheme}://reins_user:${written}@db.internal:5432/reins`
        : `${scheme}://reins_user@db.internal:5432/reins?sslmode=disable&${place === 'param' ? 'password' : 'sslpassword'}=${written}`;
    let driver: string | undefined;
    try {
      const config = parseConnectionString(url) as { password?: string; sslpassword?: string };
      driver = place === 'sslparam' ? config.sslpassword : config.password;
    } catch {
      driver = undefined;
    }
    return { secret, url, driver: driver || undefined };
  });

/** Every form of the password a message could carry: as given, as pg reads it, encoded. */
function forms(secret: string, driver?: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret)]);
  if (driver) for (const form of [driver, encodeURIComponent(driver)]) out.add(form);
  return [...out].filter((form) => form.length >= 6);
}

/**
 * What a redaction or error printed, for a URL holding `secret`: no form of the password, and no run of 6 of its
 * characters that the message's fixed text or the URL's non-secret parts do not explain.
 */
function expectNoSecret(text: string, secret: string, url: string, driver?: string): void {
  for (const form of forms(secret, driver)) expect(text).not.toContain(form);
  const around = url.split(secret).join(' ') + ' (not shown: an @ after the host) (not shown: no host) ***';
  for (let i = 0; i + 6 <= secret.length; i++) {
    const piece = secret.slice(i, i + 6);
    if (text.includes(piece) && !around.includes(piece))
      throw new Error(`"${text}" repeats "${piece}" of the password`);
  }
}

function settingsError(run: () => unknown): StoreConfigError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreConfigError)) throw error;
    return error;
  }
}

describe('store settings', () => {
  test('any REINS_STORE value parses or is refused with a StoreConfigError naming REINS_STORE', () => {
    const anyValue = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.webUrl(),
      fc.string().map((rest) => `postgres:${rest}`),
      fc.string().map((rest) => `postgresql://${rest}`),
    );
    fc.assert(
      fc.property(anyValue, (value) => {
        const error = settingsError(() => storeSettingsFromEnv({ REINS_STORE: value }));
        if (error) expect(error.message).toMatch(/^REINS_STORE\b/);
      }),
      { numRuns: 2000 },
    );
  });

  test('unset, empty and "fs" select the filesystem; a postgres URL the database, in the reins schema', () => {
    expect(storeSettingsFromEnv({}).kind).toBe('fs');
    expect(storeSettingsFromEnv({ REINS_STORE: ' fs ' }).kind).toBe('fs');
    expect(storeSettingsFromEnv({ REINS_STORE: 'postgres://u:p@db/x' })).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db/x',
      schema: 'reins',
    });
    // A socket directory in a parameter, and no host at all (libpq's local default), are both PostgreSQL URLs.
    expect(storeSettingsFromEnv({ REINS_STORE: 'postgresql:///reins?host=/var/run/postgresql' }).kind).toBe('postgres');
  });

  test('no message, redacted URL or store description ever contains the password', () => {
    fc.assert(
      fc.property(urlWithPassword, ({ secret, url, driver }) => {
        expectNoSecret(redactedStoreUrl(url), secret, url, driver);
        const error = settingsError(() => storeSettingsFromEnv({ REINS_STORE: url }));
        if (error) {
          expectNoSecret(error.message, secret, url, driver);
          expect(error.message).toMatch(/^REINS_STORE\b/);
        } else {
          expectNoSecret(describeStore(storeSettingsFromEnv({ REINS_STORE: url })), secret, url, driver);
        }
        // A URL put in the schema variable by mistake is not repeated either.
        const schemaError = settingsError(() => postgresStoreSettings('postgres://db/x', url));
        expect(schemaError?.message).toMatch(/^REINS_STORE_SCHEMA\b/);
        expectNoSecret(schemaError!.message, secret, url);
      }),
      { numRuns: 3000 },
    );
  });

  test('a password typed with an unencoded / ? or # does not leak through the host and port it seems to be', () => {
    // `new URL` reads these as host `admin`, port 2024, and a path or fragment holding the rest of the password.
    for (const url of [
      'postgres://admin:2024/s3cretpart@db/reins',
      'postgres://admin:2024?s3cretpart@db/reins',
      'postgres://admin:2024#s3cretpart@db/reins',
      // A web URL by mistake: for its scheme a backslash ends the authority too.
      'https://admin:2024\\s3cretpart@db/reins',
    ]) {
      const shown = redactedStoreUrl(url);
      expect(shown).not.toContain('2024');
      expect(shown).not.toContain('s3cretpart');
      const error = settingsError(() => storeSettingsFromEnv({ REINS_STORE: url }));
      expect(error?.message).toMatch(
        url.startsWith('https') ? /^REINS_STORE: "https:" is not a store/ : /^REINS_STORE: .*percent-encode/,
      );
      expect(error?.message).not.toContain('2024');
      expect(error?.message).not.toContain('s3cretpart');
    }
  });

  test('a URL without // is refused: pg would read its credentials as the database name and the server repeat it', () => {
    const error = settingsError(() => storeSettingsFromEnv({ REINS_STORE: 'postgres:admin:s3cretpart@db' }));
    expect(error?.message).toMatch(/^REINS_STORE\b/);
    expect(error?.message).not.toContain('s3cretpart');
  });

  test("the driver's own messages lose every form of the password", () => {
    fc.assert(
      fc.property(urlWithPassword, fc.string(), ({ secret, url, driver }, prefix) => {
        // What pg and the server say when they repeat a user, database or host name: the password as typed, as pg
        // decoded it, or encoded again.
        const said = [secret, driver ?? '', encodeURIComponent(driver ?? secret)];
        const message = `${prefix} connect to ${url} failed for "${said.join('" / "')}"`;
        expectNoSecret(scrubStoreSecrets(message, url), secret, url, driver);
      }),
      { numRuns: 1000 },
    );
  });

  describe('schema names', () => {
    const accept = (name: string) => postgresStoreSettings('postgres://db/x', name);

    test('plain lower-case identifiers are accepted', () => {
      for (const name of ['reins', 'reins_prod', '_r2', 'a'.repeat(63)])
        expect(accept(name)).toMatchObject({ schema: name });
    });

    test('hostile or reserved names are refused naming REINS_STORE_SCHEMA, and PostgresStore refuses them too', () => {
      const hostile = [
        'reins"; DROP SCHEMA public CASCADE; --',
        'a"b',
        'Reins',
        'x y',
        'pg_catalog',
        'pg_temp',
        'information_schema',
        'a'.repeat(64),
        'reins.blobs',
        '1reins',
        'reins\u0000',
      ];
      for (const name of hostile) {
        expect(() => accept(name)).toThrow(/^REINS_STORE_SCHEMA\b/);
        expect(() => new PostgresStore('postgres://db/x', name)).toThrow(StoreConfigError);
      }
    });

    test('any string is accepted only as a name that is safe inside double quotes', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z_][a-z0-9_"; -]{0,70}$/)), (name) => {
          const error = settingsError(() => accept(name));
          if (error) {
            expect(error.message).toMatch(/^REINS_STORE_SCHEMA\b/);
            return;
          }
          const schema = (accept(name) as { schema: string }).schema;
          expect(schema).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
          expect(schema.startsWith('pg_')).toBe(false);
          expect(new PostgresStore('postgres://db/x', schema).table('blobs')).toBe(`"${schema}".blobs`);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
