import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors.js';

/**
 * Where webhooks must never go (SSRF): this host, private networks, link-local addresses (cloud metadata services
 * among them: 169.254.169.254, fd00:ec2::254), carrier-grade NAT (100.100.100.200), multicast and reserved
 * ranges, and NAT64 forms of IPv4 addresses. (IPv4-mapped IPv6 addresses, ::ffff:a.b.c.d, are checked against the
 * IPv4 rules by BlockList itself.)
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** True when `address` (an IP literal) is one webhooks must not reach. Anything that is not an IP is refused. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL's host as DNS or an IP literal is written: `[::1]` → `::1`. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export type Resolver = (host: string) => Promise<string[]>;

/** Every address the system resolver gives for `host` (what a connection would use). */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });

/**
 * Refuses (422 WEBHOOK_URL_NOT_ALLOWED) a URL that is not http(s), or whose host is or resolves to an address
 * webhooks must not reach, or does not resolve at all: every address counts, not just the first. With
 * `allowPrivate` (WEBHOOK_ALLOW_PRIVATE=true: development, tests, an internal receiver) only the scheme is checked.
 * Deliveries check again when they connect (`safeLookup`), so a name that later resolves elsewhere is caught.
 */
export async function assertWebhookUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('WEBHOOK_URL_NOT_ALLOWED', 'The webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('WEBHOOK_URL_NOT_ALLOWED', 'The webhook URL must be http or https');
  }
  if (allowPrivate) return;
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) {
    throw new AppError('WEBHOOK_URL_NOT_ALLOWED', `The webhook host ${host} does not resolve`);
  }
  const forbidden = addresses.find(isForbiddenAddress);
  if (forbidden !== undefined) {
    throw new AppError(
      'WEBHOOK_URL_NOT_ALLOWED',
      `The webhook host ${host} resolves to ${forbidden}: loopback, private, link-local and metadata addresses ` +
        'are refused',
    );
  }
}

/** The error a delivery's connection fails with when its host resolves to a forbidden address. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, which webhooks may not reach`);
    this.name = 'ForbiddenAddressError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request / net.connect that resolves like the system does, then refuses the connection when
 * any address is forbidden: the check is made on the very addresses the socket connects to, so DNS rebinding
 * between a check and the connection cannot slip past it. (IP literals never reach a lookup: check those with
 * `isForbiddenAddress` before connecting.)
 */
export function safeLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string } | undefined,
  callback: LookupCallback,
  lookup: typeof dnsLookup = dnsLookup,
): void {
  lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden) return callback(new ForbiddenAddressError(hostname, forbidden.address), []);
    if (options?.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    return callback(null, first.address, first.family);
  });
}
