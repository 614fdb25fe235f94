/**
 * Store URLs in messages: what of a PostgreSQL URL can be shown, and which of its parts are passwords, however it
 * was typed. Kept apart from the settings so every message about the store goes through the same two functions.
 */

/**
 * Where the authority of `url` ends, or undefined when it has none. A non-special scheme's authority (postgres:) runs
 * up to the first `/`, `?` or `#` (WHATWG, as pg reads it too); its last `@` ends the user name and password.
 */
export function authorityEnd(url: string): number | undefined {
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0].length;
  if (start === undefined) return undefined;
  // For the schemes WHATWG calls special (a web URL put in REINS_STORE by mistake), `\` ends it too.
  const special = /^(https?|wss?|ftp|file):/i.test(url);
  const end = url.slice(start).search(special ? /[/?#\\]/ : /[/?#]/);
  return end === -1 ? url.length : start + end;
}

/**
 * An `@` past the host is a password with an unencoded `/`, `?` or `#`: what the URL seems to name as host, port,
 * database or fragment are pieces of the password.
 */
export const mistypedAuthority = (url: string) => {
  const end = authorityEnd(url);
  return end !== undefined && url.slice(end).includes('@');
};

/** Connection parameters libpq or pg read, whose values say nothing secret. */
const KNOWN_PARAMETERS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'db',
  'user',
  'options',
  'application_name',
  'fallback_application_name',
  'connect_timeout',
  'client_encoding',
  'encoding',
  'keepalives',
  'keepalives_idle',
  'target_session_attrs',
  'sslmode',
  'ssl',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslnegotiation',
  'uselibpqcompat',
]);

/**
 * A URL with its password replaced, for messages and logs: the password of the authority, and any `password` or
 * `sslpassword` parameter (libpq reads both); the fragment is dropped. A URL without a host (`postgres:user:pw@db`) keeps
 * its credentials in its path, and one with an `@` past its host has a password in its host and path, so only its
 * scheme is shown.
 */
export function redactedStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.host && /[@?]/.test(url)) return `${parsed.protocol}(not shown: no host)`;
    // Checked before the fragment is dropped: the "host:port" shown would be the first part of the password.
    if (mistypedAuthority(url)) return `${parsed.protocol}//(not shown: an @ after the host)`;
    if (parsed.password) parsed.password = '***';
    // Nothing a driver reads, and wherever a mistyped `#` moved the rest of the URL.
    parsed.hash = '';
    // A password parameter with an unencoded `&` continues as parameters of made-up names: only names libpq and pg
    // know are shown.
    const shown = new URLSearchParams();
    let hidden = 0;
    for (const [name, value] of parsed.searchParams) {
      if (/password/i.test(name)) shown.append(name, '***');
      else if (KNOWN_PARAMETERS.has(name)) shown.append(name, value);
      else hidden++;
    }
    parsed.search = shown.toString();
    return parsed.toString() + (hidden ? ` (and ${hidden} more parameters, not shown)` : '');
  } catch {
    return 'postgres://(unparseable)';
  }
}

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * `text` (a driver's or server's message about `url`) with every form of the URL's passwords replaced: as typed, as
 * the URL parser keeps it, decoded (what pg sends) and re-encoded. pg and the server repeat host, user and database
 * names, which hold a password when the URL was mistyped.
 */
export function scrubStoreSecrets(text: string, url: string): string {
  const secrets = new Set<string>();
  const add = (value: string) => {
    // pg escapes a `%` that starts no escape before it decodes (`%a%40` is `%a@`): its reading too.
    const lenient = decoded(value.replace(/%(?![0-9a-f]{2})/gi, '%25'));
    for (const form of [value, decoded(value), lenient].flatMap((v) => [v, encodeURIComponent(v), encodeURI(v)]))
      if (form) secrets.add(form);
  };
  // pg re-encodes a URL with a space or a stray `%` before it parses it (pg-connection-string): its reading too.
  const pgUrl = /[ ]|%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url) ? encodeURI(url).replace(/%25(\d\d)/g, '%$1') : url;
  for (const variant of new Set([url, pgUrl])) collect(variant, add);
  let scrubbed = text;
  // Longest first, so a password's encoded form is not left half-replaced by its shorter decoded one.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}

/** Hands `add` each password `url` holds, as typed and as the URL parser decodes it. */
function collect(url: string, add: (value: string) => void): void {
  const end = authorityEnd(url);
  if (end !== undefined) {
    // As typed: after the user name's `:`, up to the authority's last `@`, or (a mistyped / ? or # in the password)
    // up to the URL's last `@`.
    const start = url.indexOf('//') + 2;
    for (const stop of [url.lastIndexOf('@', end - 1), url.lastIndexOf('@')]) {
      const userinfo = stop >= start ? url.slice(start, stop) : '';
      if (userinfo.includes(':')) add(userinfo.slice(userinfo.indexOf(':') + 1));
    }
    // A mistyped password is cut into a port, a database name and more; the server repeats those pieces one by one.
    if (mistypedAuthority(url)) {
      const userinfo = url.slice(start, url.lastIndexOf('@'));
      for (const piece of userinfo.slice(userinfo.indexOf(':') + 1).split(/[/?#@:&=]/))
        if (piece.length >= 3) add(piece);
    }
  }
  // Parameters as typed, and as the URL parser decodes them.
  for (const pair of url.replace(/#.*$/s, '').split(/[?&]/).slice(1)) {
    const [name = '', ...value] = pair.split('=');
    if (/password/i.test(decoded(name))) add(value.join('='));
  }
  try {
    const parsed = new URL(url);
    add(parsed.password);
    for (const [name, value] of parsed.searchParams) if (/password/i.test(name)) add(value);
  } catch {
    // Not a URL: only the typed forms above can be in the message.
  }
}
