// IPv4 addresses as unsigned 32-bit numbers and prefixes; parsing is ipaddr.js's.
import ipaddr from 'ipaddr.js';

export type Ip = number;

export interface Prefix {
  readonly addr: Ip;
  readonly len: number;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/**
 * What a text reads as, kept (up to a bound) in `cache`: worlds parse the same few topology
 * addresses again and again (every flow, every route change), and the answer for a text never
 * changes. `read` throws on a bad text, which is then not kept.
 */
export function readOnce<T>(cache: Map<string, T>, text: string, read: (text: string) => T): T {
  const known = cache.get(text);
  if (known !== undefined) return known;
  const value = read(text);
  if (cache.size >= 4096) cache.clear();
  cache.set(text, value);
  return value;
}

const parsed = new Map<string, Ip>();

export function parseIp(text: string): Ip {
  return readOnce(parsed, text, readIp);
}

function readIp(text: string): Ip {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
    throw new AddressError(`expected a dotted IPv4 address, got "${text}"`);
  }
  const [a, b, c, d] = ipaddr.IPv4.parse(text).octets as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function formatIp(ip: Ip): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The prefix length of a dotted netmask (255.255.255.0 -> 24); rejects non-contiguous masks. */
export function maskLength(mask: string): number {
  const m = parseIp(mask);
  const len = 32 - Math.log2((~m >>> 0) + 1);
  if (!Number.isInteger(len) || maskOf(len) !== m) {
    throw new AddressError(`expected a contiguous netmask, got "${mask}"`);
  }
  return len;
}

export function prefix(addr: Ip, len: number): Prefix {
  return { addr: (addr & maskOf(len)) >>> 0, len };
}

/** Prefixes already parsed (readOnce; a prefix is immutable). */
const parsedPrefixes = new Map<string, Prefix>();

/** "10.0.0.0/24", "default" or "0.0.0.0/0"; a bare address is a /32 host route. */
export function parsePrefix(text: string): Prefix {
  return readOnce(parsedPrefixes, text, readPrefix);
}

function readPrefix(text: string): Prefix {
  if (text === 'default') return { addr: 0, len: 0 };
  const [a, l] = text.split('/');
  const len = l === undefined ? 32 : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > 32 || l === '') {
    throw new AddressError(`expected a prefix length from 0 to 32 in "${text}"`);
  }
  return prefix(parseIp(a ?? ''), len);
}

export function formatPrefix(p: Prefix): string {
  return p.len === 0 ? 'default' : `${formatIp(p.addr)}/${p.len}`;
}

export function contains(p: Prefix, ip: Ip): boolean {
  return (ip & maskOf(p.len)) >>> 0 === p.addr;
}

export function samePrefix(a: Prefix, b: Prefix): boolean {
  return a.addr === b.addr && a.len === b.len;
}
