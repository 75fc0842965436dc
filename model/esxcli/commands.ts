// One parser per command (research-notes C1-C9): text in, typed rows out, or one
// EsxcliParseError naming the file, line and what was expected.
import { parseAllowedIp, type Rule, type RulesetConfigurable } from '../firewall/firewall.ts';
import {
  AddressError,
  type Ip,
  maskLength,
  type Prefix,
  parseIp,
  prefix,
} from '../network/ipv4.ts';
import { DEFAULT_STACK, TAGS, type Tag, type VmkAttach } from '../network/types.ts';
import type { EsxiVersion } from '../variants.ts';
import {
  linesOf,
  need,
  nonBlank,
  outputLine,
  parseFail,
  type Rec,
  readRecords,
  type Source,
  show,
} from './records.ts';

export interface At {
  readonly line: number;
}

function ip(src: Source, r: Rec, key: string, label: string): Ip {
  const text = need(src, r, key, label);
  try {
    return parseIp(text);
  } catch (e) {
    if (e instanceof AddressError) parseFail(src, r.line, `${label}: ${e.message}`);
    throw e;
  }
}

function mask(src: Source, line: number, text: string, label: string): number {
  try {
    return maskLength(text);
  } catch (e) {
    if (e instanceof AddressError) parseFail(src, line, `${label}: ${e.message}`);
    throw e;
  }
}

function vmkName(src: Source, line: number, text: string): string {
  if (!/^vmk\d{1,4}$/.test(text))
    parseFail(src, line, `expected a vmk name such as vmk0, got ${show(text)}`);
  return text;
}

function bool(src: Source, line: number, text: string, label: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return parseFail(src, line, `${label}: expected true or false, got ${show(text)}`);
}

function stackName(src: Source, line: number, text: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(text))
    parseFail(src, line, `expected a netstack name, got ${show(text)}`);
  return text;
}

// ---- esxcli network ip interface list (C1) ----

export interface InterfaceRow extends At {
  readonly name: string;
  /** null on 5.x, which has no Netstack Instance line (everything is on defaultTcpipStack). */
  readonly netstack: string | null;
  /** `Enabled: false` carries nothing; absent means enabled. */
  readonly enabled: boolean;
  /** The portgroup or distributed port and the MTU: what re-creating the vmk needs. */
  readonly attach: VmkAttach;
}

const orNull = (v: string | undefined) => (v === undefined || v === 'N/A' || v === '' ? null : v);

export function parseInterfaceList(src: Source): InterfaceRow[] {
  const recs = readRecords(src, 'records');
  if (recs.length === 0)
    parseFail(
      src,
      outputLine(src),
      'empty output: expected a record per vmk ("vmk0", then "   Name: vmk0")',
    );
  return recs.map((r) => {
    const name = vmkName(src, r.line, r.fields.get('Name') ?? r.title ?? '');
    if (r.title !== null && r.title !== name) {
      parseFail(src, r.line, `record ${show(r.title)} has Name ${show(name)}`);
    }
    const ns = r.fields.get('NetstackInstance');
    const en = r.fields.get('Enabled');
    const mtuText = r.fields.get('MTU');
    if (mtuText !== undefined && !/^\d{3,5}$/.test(mtuText))
      parseFail(src, r.line, `MTU: expected a number such as 1500, got ${show(mtuText)}`);
    return {
      line: r.line,
      name,
      netstack: ns === undefined ? null : stackName(src, r.line, ns),
      enabled: en === undefined ? true : bool(src, r.line, en, 'Enabled'),
      attach: {
        portgroup: orNull(r.fields.get('Portgroup')),
        dvs: orNull(r.fields.get('VDSName')),
        dvport: orNull(r.fields.get('VDSPort')),
        mtu: mtuText === undefined ? 1500 : Number(mtuText),
      },
    };
  });
}

// ---- esxcli network ip interface ipv4 get (C2) ----

export interface Ipv4Row extends At {
  readonly name: string;
  readonly ip: Ip;
  readonly len: number;
  /** The Gateway column (6.5+); null when absent or 0.0.0.0 (no per-vmk gateway). */
  readonly gateway: Ip | null;
  readonly hasGatewayColumn: boolean;
}

export function parseIpv4Get(src: Source): Ipv4Row[] {
  return readRecords(src, 'table').map((r) => {
    const name = vmkName(src, r.line, need(src, r, 'Name'));
    const addr = ip(src, r, 'IPv4Address', 'IPv4 Address');
    const len = mask(src, r.line, need(src, r, 'IPv4Netmask', 'IPv4 Netmask'), 'IPv4 Netmask');
    if (len === 0 && addr !== 0)
      parseFail(src, r.line, 'IPv4 Netmask: expected a netmask longer than 0.0.0.0');
    const gwText = r.fields.get('Gateway');
    const gw = gwText === undefined ? null : ip(src, r, 'Gateway', 'Gateway');
    return {
      line: r.line,
      name,
      ip: addr,
      len,
      gateway: gw === 0 ? null : gw,
      hasGatewayColumn: gwText !== undefined,
    };
  });
}

// ---- esxcli network ip route ipv4 list (C3) and esxcfg-route -l (C4) ----

export interface RouteRow extends At {
  readonly network: Prefix;
  /** null: a connected subnet (gateway 0.0.0.0, or "Local Subnet" in esxcfg-route). */
  readonly gateway: Ip | null;
  readonly iface: string;
}

function routeRow(
  src: Source,
  line: number,
  net: string,
  mk: string,
  gw: string,
  iface: string,
): RouteRow {
  const len = net === 'default' ? 0 : mask(src, line, mk, 'Netmask');
  let addr = 0;
  if (net !== 'default') {
    try {
      addr = parseIp(net);
    } catch (e) {
      if (e instanceof AddressError) parseFail(src, line, `Network: ${e.message}`);
      throw e;
    }
  }
  if (net === 'default' && mk !== '0.0.0.0')
    parseFail(src, line, `expected netmask 0.0.0.0 for the default route, got ${show(mk)}`);
  let gateway: Ip | null = null;
  if (gw !== 'Local Subnet') {
    try {
      gateway = parseIp(gw);
    } catch (e) {
      if (e instanceof AddressError) parseFail(src, line, `Gateway: ${e.message}`);
      throw e;
    }
  }
  if (gateway === 0) gateway = null;
  if (net === 'default' && gateway === null)
    parseFail(src, line, 'expected a gateway for the default route, got none');
  return { line, network: prefix(addr, len), gateway, iface };
}

export function parseRouteList(src: Source): RouteRow[] {
  return readRecords(src, 'table').map((r) =>
    routeRow(
      src,
      r.line,
      need(src, r, 'Network'),
      need(src, r, 'Netmask'),
      need(src, r, 'Gateway'),
      need(src, r, 'Interface'),
    ),
  );
}

/** `esxcfg-route -l` (and plain `esxcfg-route`: "VMkernel default gateway is X"). */
export function parseEsxcfgRoute(src: Source): RouteRow[] {
  const out: RouteRow[] = [];
  let header = false;
  for (const l of nonBlank(linesOf(src))) {
    const t = l.text.trim();
    const dgw = /^VMkernel default gateway is (\S+)$/.exec(t);
    if (dgw) {
      out.push(routeRow(src, l.no, 'default', '0.0.0.0', dgw[1] ?? '', 'vmk0'));
      continue;
    }
    if (t === 'VMkernel Routes:' || /^-+(\s+-+)*$/.test(t)) continue;
    if (/^Network\s+Netmask\s+Gateway\s+Interface$/.test(t)) {
      header = true;
      continue;
    }
    if (!header)
      parseFail(
        src,
        l.no,
        `expected the header "Network Netmask Gateway Interface", got ${show(t)}`,
      );
    const m = /^(\S+)\s+(\S+)\s+(Local Subnet|\S+)\s+(\S+)$/.exec(t);
    if (!m) {
      const got = t.split(/\s+/).length;
      parseFail(src, l.no, `expected 4 columns (Network Netmask Gateway Interface), got ${got}`);
    }
    out.push(routeRow(src, l.no, m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? ''));
  }
  return out;
}

// ---- esxcfg-vmknic -l (C9): columns start where their header label starts ----

export interface VmknicRow extends At {
  readonly name: string;
  readonly ip: Ip;
  readonly len: number;
  readonly netstack: string | null;
  readonly enabled: boolean;
}

// Port Group is "Port Group/DVPort" on 5.x and "Port Group/DVPort/Opaque Network" later.
const VMKNIC_LABELS = [
  'Interface',
  'Port Group',
  'IP Family',
  'IP Address',
  'Netmask',
  'Broadcast',
  'MAC Address',
  'MTU',
  'TSO MSS',
  'Enabled',
  'Type',
  'NetStack',
];

export function parseEsxcfgVmknic(src: Source): VmknicRow[] {
  const ls = nonBlank(linesOf(src));
  const header = ls[0];
  if (!header) parseFail(src, outputLine(src), 'empty output: expected the esxcfg-vmknic header');
  const at = new Map<string, number>();
  for (const label of VMKNIC_LABELS) {
    const i = header.text.indexOf(label);
    if (i >= 0) at.set(label, i);
  }
  for (const label of ['Interface', 'IP Family', 'IP Address', 'Netmask']) {
    if (!at.has(label)) parseFail(src, header.no, `expected a column ${show(label)} in the header`);
  }
  const starts = [...at.values()].sort((a, b) => a - b);
  const cell = (text: string, label: string): string => {
    const s = at.get(label) ?? 0;
    return text
      .slice(
        s,
        starts.find((x) => x > s),
      )
      .trim();
  };
  const out: VmknicRow[] = [];
  for (const l of ls.slice(1)) {
    const name = vmkName(src, l.no, cell(l.text, 'Interface'));
    const family = cell(l.text, 'IP Family');
    if (family === 'IPv6') continue;
    if (family !== 'IPv4')
      parseFail(src, l.no, `IP Family: expected IPv4 or IPv6, got ${show(family)}`);
    let addr: Ip;
    try {
      addr = parseIp(cell(l.text, 'IP Address'));
    } catch (e) {
      if (e instanceof AddressError) parseFail(src, l.no, `IP Address: ${e.message}`);
      throw e;
    }
    const len = mask(src, l.no, cell(l.text, 'Netmask'), 'Netmask');
    if (len === 0) parseFail(src, l.no, 'Netmask: expected a netmask longer than 0.0.0.0');
    const ns = at.has('NetStack') ? stackName(src, l.no, cell(l.text, 'NetStack')) : null;
    const en = at.has('Enabled') ? cell(l.text, 'Enabled') : 'true';
    const enabled = en === '' ? true : bool(src, l.no, en, 'Enabled');
    out.push({ line: l.no, name, ip: addr, len, netstack: ns, enabled });
  }
  return out;
}

// ---- esxcli network ip netstack list (C5) ----

export function parseNetstackList(src: Source): (At & { name: string })[] {
  return readRecords(src, 'records').map((r) => ({
    line: r.line,
    name: stackName(src, r.line, r.fields.get('Key') ?? r.fields.get('Name') ?? r.title ?? ''),
  }));
}

// ---- esxcli network ip interface tag get -i vmkN (C6) ----

/**
 * The tags of one vmk: those the model knows, and the others as given. Newer hosts carry tags
 * the model does not use (vsanWitness, vSphereBackupNFC, ptp, nvmeTcp, ...: research-notes B);
 * they are kept and shown, never a reason to reject the host.
 */
export function parseTagGet(src: Source): { tags: Tag[]; other: string[] } {
  const recs = readRecords(src, 'records');
  if (recs.length === 0) parseFail(src, outputLine(src), 'empty output: expected "   Tags: ..."');
  const tags: Tag[] = [];
  const other: string[] = [];
  for (const r of recs) {
    const v = need(src, r, 'Tags');
    for (const t of v.split(',').map((x) => x.trim())) {
      if (t === '') continue;
      if ((TAGS as readonly string[]).includes(t)) {
        if (!tags.includes(t as Tag)) tags.push(t as Tag);
      } else if (/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(t)) {
        if (!other.includes(t)) other.push(t);
      } else parseFail(src, r.line, `expected a tag name such as VMotion, got ${show(t)}`);
    }
  }
  return { tags, other };
}

// ---- esxcli network firewall ruleset list / ruleset rule list (C7) ----

export interface RulesetRow extends At {
  readonly id: string;
  readonly enabled: boolean;
  /** ESXi 8.0U2's two more columns (research-notes F); absent in the two-column form (C7). */
  readonly configurable?: RulesetConfigurable;
}

/**
 * A field by its display name, however the formatter spells it: the text header's
 * "Enable/Disable configurable" keeps its slash, a csv or xml field name cannot hold one
 * (research-notes C10; the 8.0U2 csv and xml names are UNCONFIRMED).
 */
function loose(r: Rec, display: string): string | undefined {
  const norm = (k: string) => k.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const want = norm(display);
  for (const [k, v] of r.fields) if (norm(k) === want) return v;
  return undefined;
}

export function parseRulesetList(src: Source): RulesetRow[] {
  return readRecords(src, 'table').map((r) => {
    const en = loose(r, 'Enable/Disable configurable');
    const ip = loose(r, 'Allowed IP configurable');
    if ((en === undefined) !== (ip === undefined))
      parseFail(
        src,
        r.line,
        `expected both "Enable/Disable configurable" and "Allowed IP configurable" (ESXi 8.0U2) or neither, got only ${en === undefined ? '"Allowed IP configurable"' : '"Enable/Disable configurable"'}`,
      );
    return {
      line: r.line,
      id: need(src, r, 'Name'),
      enabled: bool(src, r.line, need(src, r, 'Enabled'), 'Enabled'),
      ...(en !== undefined && ip !== undefined
        ? {
            configurable: {
              enable: bool(src, r.line, en, 'Enable/Disable configurable'),
              allowedIp: bool(src, r.line, ip, 'Allowed IP configurable'),
            },
          }
        : {}),
    };
  });
}

export interface AllowedIpRow extends At {
  readonly ruleset: string;
  /** "All": every address may use the ruleset's rules. */
  readonly allowedAll: boolean;
  /** The IPv4 addresses and prefixes listed, as printed. */
  readonly ips: readonly string[];
  /** IPv6 entries: kept out of the model, which is IPv4 only (they admit no IPv4 address). */
  readonly ipv6: readonly string[];
}

/**
 * `esxcli network firewall ruleset allowedip list` (research-notes C7): a ruleset per row, its
 * allowed IPs `All` or a list such as `10.12.12.20, 10.12.12.0/24` (vCLI 5.0 examples print the
 * list comma-separated). An empty list is read as no address (UNCONFIRMED: no sample shows one).
 */
export function parseAllowedIpList(src: Source): AllowedIpRow[] {
  return readRecords(src, 'table', { emptyLast: true }).map((r) => {
    const ruleset = need(src, r, 'Ruleset');
    const text = need(src, r, 'AllowedIPAddresses', 'Allowed IP Addresses').trim();
    if (text === 'All') return { line: r.line, ruleset, allowedAll: true, ips: [], ipv6: [] };
    const ips: string[] = [];
    const ipv6: string[] = [];
    for (const entry of text.split(/[\s,]+/).filter((x) => x !== '')) {
      if (entry.includes(':')) ipv6.push(entry);
      else if (parseAllowedIp(entry)) ips.push(entry);
      else
        parseFail(
          src,
          r.line,
          `Allowed IP Addresses: expected All or addresses and prefixes such as 10.12.12.20, 10.12.12.0/24, got ${show(entry)}`,
        );
    }
    return { line: r.line, ruleset, allowedAll: false, ips, ipv6 };
  });
}

export interface RuleRow extends At {
  readonly ruleset: string;
  /** null for a rule the model does not track (ICMP). */
  readonly rule: Rule | null;
}

function port(src: Source, line: number, text: string, label: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    parseFail(src, line, `${label}: expected a port from 0 to 65535, got ${show(text)}`);
  return Number(text);
}

export function parseRuleList(src: Source): RuleRow[] {
  return readRecords(src, 'table').map((r) => {
    const ruleset = need(src, r, 'Ruleset');
    const dir = need(src, r, 'Direction').toLowerCase();
    if (dir !== 'inbound' && dir !== 'outbound')
      parseFail(src, r.line, `Direction: expected Inbound or Outbound, got ${show(dir)}`);
    const proto = need(src, r, 'Protocol').toLowerCase();
    if (!['tcp', 'udp', 'icmp'].includes(proto))
      parseFail(src, r.line, `Protocol: expected TCP, UDP or ICMP, got ${show(proto)}`);
    const pt = need(src, r, 'PortType', 'Port Type').toLowerCase();
    if (proto !== 'icmp' && pt !== 'dst' && pt !== 'src')
      parseFail(src, r.line, `Port Type: expected Dst or Src, got ${show(pt)}`);
    if (proto === 'icmp') return { line: r.line, ruleset, rule: null };
    const begin = port(src, r.line, need(src, r, 'PortBegin', 'Port Begin'), 'Port Begin');
    const end = port(src, r.line, need(src, r, 'PortEnd', 'Port End'), 'Port End');
    if (end < begin) parseFail(src, r.line, `Port End ${end} is below Port Begin ${begin}`);
    return {
      line: r.line,
      ruleset,
      rule: {
        direction: dir,
        protocol: proto as 'tcp' | 'udp',
        portType: pt as 'dst' | 'src',
        begin,
        end,
      },
    };
  });
}

// ---- esxcli software vib list (C8) ----

export interface VibRow extends At {
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  readonly acceptance: string;
}

export function parseVibList(src: Source): VibRow[] {
  return readRecords(src, 'table').map((r) => ({
    line: r.line,
    name: need(src, r, 'Name'),
    version: need(src, r, 'Version'),
    vendor: need(src, r, 'Vendor'),
    acceptance: need(src, r, 'AcceptanceLevel', 'Acceptance Level'),
  }));
}

// ---- esxcli system version get ----

/**
 * The modelled version and the release as the host names it: "Version: 6.5.0" with "Update: 1"
 * is '6.5U1' (seed 003's build, and only that one: research-notes F), 6.5 with any other
 * update is '6.5', and 5.5, 6.0, 6.7, 7.0 and 8.0 are themselves ("8.0 U2").
 */
export function parseSystemVersion(src: Source): { version: EsxiVersion; release: string } {
  const recs = readRecords(src, 'records');
  const r = recs[0];
  if (!r) parseFail(src, outputLine(src), 'empty output: expected "   Version: 6.5.0"');
  const v = need(src, r, 'Version');
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) parseFail(src, r.line, `Version: expected a version such as 6.5.0, got ${show(v)}`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const upText = r.fields.get('Update') ?? '0';
  if (!/^\d+$/.test(upText))
    parseFail(src, r.line, `Update: expected a number, got ${show(upText)}`);
  const update = Number(upText);
  const mm = `${major}.${minor}`;
  const release = `${mm}${update > 0 ? ` U${update}` : ''}`;
  if (mm === '6.5') return { version: update === 1 ? '6.5U1' : '6.5', release };
  if (mm === '5.5' || mm === '6.0' || mm === '6.7' || mm === '7.0' || mm === '8.0')
    return { version: mm, release };
  return parseFail(
    src,
    r.line,
    `Version: ESXi ${v} is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)`,
  );
}

export { DEFAULT_STACK };
