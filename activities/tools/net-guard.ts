import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { HttpHostRule } from '../../common/builtin-tool-config';
import { ToolError } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name to addresses; injectable so tests can point a public-looking name at a private address. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** Addresses that reach the worker itself or its private network rather than the public internet. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 IPv6 address, which routes like that IPv4. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|::|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const high = parseInt(match[2] ?? '0', 16);
  const low = parseInt(match[3] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return PRIVATE.check(bare, 'ipv4');
  if (version !== 6) return true;
  const v4 = embeddedIpv4(bare);
  if (v4 && isIP(v4) === 4) return PRIVATE.check(v4, 'ipv4');
  return PRIVATE.check(bare, 'ipv6');
}

/** `*.example.com` matches any subdomain of example.com; other patterns match exactly. Case-insensitive. */
export function hostMatches(pattern: string, hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[|\]$/g, '');
  const want = pattern.toLowerCase();
  if (want.startsWith('*.')) return host.endsWith(want.slice(1)) && host.length > want.length - 1;
  return host === want.replace(/^\[|\]$/g, '');
}

/** The first rule whose pattern matches; exact patterns win over wildcards. */
export function ruleFor(rules: readonly HttpHostRule[], hostname: string): HttpHostRule | undefined {
  const matching = rules.filter((rule) => hostMatches(rule.host, hostname));
  return matching.find((rule) => !rule.host.startsWith('*.')) ?? matching[0];
}

/**
 * The address to connect to for `hostname`, checked after resolution so a public name pointing at a private address
 * is caught. The caller connects to exactly this address, so a second lookup cannot rebind the name elsewhere.
 */
export async function resolveChecked(
  hostname: string,
  rule: HttpHostRule,
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(bare);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: bare, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(bare);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
      throw new ToolError(`cannot resolve ${hostname}: ${code}`, ErrorType.HttpHostUnresolved);
    }
  }
  const first = addresses[0];
  if (!first) throw new ToolError(`cannot resolve ${hostname}: no addresses`, ErrorType.HttpHostUnresolved);
  // Every address must pass: a name with one public and one private address could be steered to the private one.
  const blocked = addresses.find(({ address }) => isPrivateAddress(address));
  if (blocked && !rule.allowPrivate) {
    throw new ToolError(
      `${hostname} resolves to ${blocked.address}, a private, loopback or link-local address; ` +
        'the operator has not allowed private addresses for this host',
      ErrorType.HttpAddressRefused,
    );
  }
  return first;
}
