// A host's command outputs, from a folder (one file per command) or a transcript, assembled
// into the model's HostSetup and a firewall view (research-notes C; docs/host-check.md).
import {
  type HostFirewall,
  initFirewall,
  type Ruleset,
  TO_CLOUD_RULESET,
  VR2C_VIB,
} from '../firewall/firewall.ts';
import { formatIp, formatPrefix, type Ip } from '../network/ipv4.ts';
import {
  DEFAULT_STACK,
  type HostSetup,
  type RouteSetup,
  type Tag,
  type VmkAttach,
  type VmkSetup,
} from '../network/types.ts';
import { CORRECT } from '../variants.ts';
import {
  parseAllowedIpList,
  parseEsxcfgRoute,
  parseEsxcfgVmknic,
  parseInterfaceList,
  parseIpv4Get,
  parseNetstackList,
  parseRouteList,
  parseRuleList,
  parseRulesetList,
  parseSystemVersion,
  parseTagGet,
  parseVibList,
  type RouteRow,
} from './commands.ts';
import { EsxcliParseError, type Format, type Source, show } from './records.ts';
import { plainText } from './text.ts';

/** One command's output: its key is the command words joined with dashes. */
export interface CommandOutput extends Source {
  readonly key: string;
}

export interface ParsedHost {
  readonly setup: HostSetup;
  /** As the host names itself: "6.5 U2", "8.0 U1" (setup.version is what is modelled). */
  readonly release: string;
  /** null when no `network firewall ruleset list` was given: the firewall is not checked. */
  readonly firewall: HostFirewall | null;
  /**
   * Whether `network firewall ruleset allowedip list` was given; without it every ruleset is
   * taken to admit every address, and the check says the allowed IPs were not checked.
   */
  readonly allowedIps: boolean;
  /** Which command outputs were read, by key. */
  readonly read: readonly string[];
  /** What was kept but not modelled, or left out, and why (disabled vmks, unknown tags). */
  readonly notes: readonly string[];
}

const FORMATS: Readonly<Record<string, Format>> = { txt: 'text', csv: 'csv', xml: 'xml' };

/** The commands the check reads, by key (the command words joined with dashes). */
const USED = new Set([
  'system-version-get',
  'network-ip-interface-list',
  'network-ip-interface-ipv4-get',
  'network-ip-netstack-list',
  'network-ip-route-ipv4-list',
  'network-firewall-ruleset-list',
  'network-firewall-ruleset-rule-list',
  'network-firewall-ruleset-allowedip-list',
  'software-vib-list',
  'esxcfg-vmknic-l',
  'esxcfg-route-l',
  'esxcfg-route',
]);

/** True iff the check reads this command's output (a vmk's tags, a netstack's routes too). */
export function isUsedKey(key: string): boolean {
  return (
    USED.has(key) ||
    /^network-ip-interface-tag-get-[A-Za-z0-9_.-]+$/.test(key) ||
    /^network-ip-route-ipv4-list-N-[A-Za-z0-9_.-]+$/.test(key)
  );
}

/** `network-ip-route-ipv4-list.csv` -> key and formatter; null for a file that is no output. */
export function commandOfFile(name: string): { key: string; format: Format } | null {
  const m = /^([A-Za-z0-9_.-]+)\.(txt|csv|xml)$/.exec(name);
  const format = m ? FORMATS[m[2] ?? ''] : undefined;
  return m && format ? { key: m[1] ?? '', format } : null;
}

/**
 * The command line of a transcript prompt as a file key and formatter, or `skip` for a command
 * the check does not read (its output is skipped, with a note).
 */
export function commandKey(
  cmd: string,
  file: string,
  line: number,
): { key: string; format: Format } | { skip: string } {
  const words = cmd.trim().split(/\s+/);
  const head = words[0] ?? '';
  if (head.startsWith('esxcfg-')) {
    const key = words.map((w) => (w === '--list' ? 'l' : w.replace(/^-+/, ''))).join('-');
    return isUsedKey(key) ? { key, format: 'text' } : { skip: 'the check does not read it' };
  }
  if (head !== 'esxcli') return { skip: 'not an esxcli command' };
  let format: Format = 'text';
  const parts: string[] = [];
  const opts: { opt: string; value: string }[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const [opt, inline] = w.includes('=')
      ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]
      : [w, undefined];
    if (!opt.startsWith('-')) {
      parts.push(w);
      continue;
    }
    const value = inline ?? words[++i] ?? '';
    if (opt === '--formatter' || opt === '-f') {
      if (value !== 'csv' && value !== 'xml')
        throw new EsxcliParseError(
          file,
          line,
          `--formatter: expected csv or xml, got ${show(value)}`,
        );
      format = value;
    } else opts.push({ opt, value });
  }
  const base = parts.join('-');
  const tagGet = base === 'network-ip-interface-tag-get';
  if (!tagGet && !isUsedKey(base)) return { skip: 'the check does not read it' };
  const suffix: string[] = [];
  for (const { opt, value } of opts) {
    if ((opt === '-i' || opt === '--interface-name') && tagGet) suffix.push(value);
    else if ((opt === '-N' || opt === '--netstack') && base === 'network-ip-route-ipv4-list')
      suffix.push('N', value);
    else if (['-i', '--interface-name', '-N', '--netstack', '-r', '--ruleset-id'].includes(opt))
      throw new EsxcliParseError(file, line, `expected the full listing: drop ${opt}`);
    else throw new EsxcliParseError(file, line, `unsupported option ${show(opt)}`);
  }
  if (tagGet && suffix.length === 0)
    throw new EsxcliParseError(
      file,
      line,
      'expected -i vmkN: run tag get once per vmk (scripts/collect-esxcli.sh does)',
    );
  return { key: [...parts, ...suffix].join('-'), format };
}

// `[root@esx-01:~] esxcli ...`, `~ # esxcli ...`, and a bare prompt; escapes already gone.
const PROMPT = /^\s*(?:\[[^\]]*@[^\]]*\]|~\s*#)\s*(.*)$/;

/** A transcript's outputs, and notes on what in it was skipped. */
export function readTranscript(
  file: string,
  raw: string,
): { outputs: CommandOutput[]; notes: string[] } {
  const lines = plainText(raw).split('\n');
  const out: CommandOutput[] = [];
  const notes: string[] = [];
  let cur: { key: string; format: Format; start: number; body: string[] } | null = null;
  let skipping = false;
  const flush = () => {
    if (cur)
      out.push({
        key: cur.key,
        format: cur.format,
        file,
        text: cur.body.join('\n'),
        offset: cur.start,
      });
    cur = null;
  };
  lines.forEach((l, i) => {
    const m = PROMPT.exec(l);
    if (m) {
      flush();
      skipping = false;
      const cmd = (m[1] ?? '').trim();
      if (cmd === '') return;
      if (cmd.includes('|'))
        throw new EsxcliParseError(
          file,
          i + 1,
          `pipes are not supported: paste the whole output of ${show(cmd.slice(0, cmd.indexOf('|')).trim())}`,
        );
      const k = commandKey(cmd, file, i + 1);
      if ('skip' in k) {
        notes.push(`${file}:${i + 1}: ${show(cmd)} skipped: ${k.skip}`);
        skipping = true;
        return;
      }
      cur = { key: k.key, format: k.format, start: i + 1, body: [] };
    } else if (cur) cur.body.push(l);
    else if (!skipping && l.trim() !== '')
      throw new EsxcliParseError(
        file,
        i + 1,
        `expected a prompt line such as "[root@esx-01:~] esxcli ...", got ${show(l.trim())}`,
      );
  });
  flush();
  if (out.length === 0)
    throw new EsxcliParseError(
      file,
      0,
      'no esxcli commands the check reads found in the transcript',
    );
  return { outputs: out, notes };
}

/** Splits a transcript into one output per prompt line the check reads. */
export function splitTranscript(file: string, text: string): CommandOutput[] {
  return readTranscript(file, text).outputs;
}

const vmkNumber = (n: string) => Number(n.slice(3));

/** Assembles one host. `where` names the folder or transcript for whole-host errors. */
export function assembleHost(
  name: string,
  where: string,
  outputs: readonly CommandOutput[],
): ParsedHost {
  const byKey = new Map<string, CommandOutput>();
  for (const o of outputs) {
    const prev = byKey.get(o.key);
    if (prev)
      throw new EsxcliParseError(
        o.file,
        (o.offset ?? 0) + 1,
        `${o.key} given twice (also in ${prev.file})`,
      );
    byKey.set(o.key, o);
  }
  const read: string[] = [];
  const get = (key: string) => {
    const o = byKey.get(key);
    if (o) read.push(key);
    return o;
  };
  const missing = (what: string) => new EsxcliParseError(where, 0, `missing ${what}`);

  const notes: string[] = [];
  const verSrc = get('system-version-get');
  if (!verSrc) throw missing('system-version-get (esxcli system version get)');
  const { version, release } = parseSystemVersion(verSrc);

  const ifList = get('network-ip-interface-list');
  const ipv4 = get('network-ip-interface-ipv4-get');
  const vmknic = get('esxcfg-vmknic-l');
  if (!ifList && !vmknic) throw missing('network-ip-interface-list (or esxcfg-vmknic-l)');
  if (!ipv4 && !vmknic) throw missing('network-ip-interface-ipv4-get (or esxcfg-vmknic-l)');

  // Netstacks per vmk: interface list, else esxcfg-vmknic; 5.x has neither (default stack).
  const stacks = new Map<string, string | null>();
  const attach = new Map<string, VmkAttach>();
  const known = new Set<string>();
  // A vmk with `Enabled: false` carries nothing: it is left out of the model, with a note.
  const disabled = new Set<string>();
  if (ifList) {
    for (const r of parseInterfaceList(ifList)) {
      if (known.has(r.name))
        throw new EsxcliParseError(ifList.file, r.line, `${r.name} listed twice`);
      known.add(r.name);
      stacks.set(r.name, r.netstack);
      attach.set(r.name, r.attach);
      if (!r.enabled) disabled.add(r.name);
    }
  }
  const nic = vmknic ? parseEsxcfgVmknic(vmknic) : [];
  if (!ifList)
    for (const r of nic) {
      known.add(r.name);
      stacks.set(r.name, r.netstack);
      if (!r.enabled) disabled.add(r.name);
    }
  const addrs = new Map<string, { ip: Ip; len: number; gateway: Ip | null }>();
  const seen = new Set<string>();
  if (ipv4) {
    for (const r of parseIpv4Get(ipv4)) {
      if (!known.has(r.name))
        throw new EsxcliParseError(
          ipv4.file,
          r.line,
          `${r.name} is not in ${ifList ? 'network-ip-interface-list' : 'esxcfg-vmknic-l'}`,
        );
      if (seen.has(r.name)) throw new EsxcliParseError(ipv4.file, r.line, `${r.name} listed twice`);
      seen.add(r.name);
      if (r.ip === 0) notes.push(`${r.name} has no IPv4 address (0.0.0.0): left out`);
      else addrs.set(r.name, { ip: r.ip, len: r.len, gateway: r.gateway });
    }
  } else {
    for (const r of nic)
      if (!addrs.has(r.name)) addrs.set(r.name, { ip: r.ip, len: r.len, gateway: null });
  }
  for (const n of [...disabled].sort((a, b) => vmkNumber(a) - vmkNumber(b))) {
    if (addrs.delete(n))
      notes.push(`${n} is disabled (Enabled: false): it carries nothing, left out`);
  }

  const tags = new Map<string, Tag[]>();
  for (const o of outputs) {
    const m = /^network-ip-interface-tag-get-(.*)$/.exec(o.key);
    if (!m) continue;
    read.push(o.key);
    const vmk = m[1] ?? '';
    if (!known.has(vmk))
      throw new EsxcliParseError(
        o.file,
        (o.offset ?? 0) + 1,
        `tags for ${show(vmk)}, which is not a listed vmk`,
      );
    const t = parseTagGet(o);
    tags.set(vmk, t.tags);
    if (t.other.length > 0 && addrs.has(vmk))
      notes.push(`${vmk} is also tagged ${t.other.join(', ')}: kept, not modelled`);
  }
  // A vmk's tags decide what it carries: without its tag get the check would guess "none".
  for (const n of [...addrs.keys()].sort((a, b) => vmkNumber(a) - vmkNumber(b))) {
    if (!tags.has(n))
      throw missing(
        `network-ip-interface-tag-get-${n} (esxcli network ip interface tag get -i ${n})`,
      );
  }

  // Vmks in creation order, taken as vmk number order (no output records creation order).
  const vmks: VmkSetup[] = [...addrs.keys()]
    .sort((a, b) => vmkNumber(a) - vmkNumber(b))
    .map((n) => {
      const a = addrs.get(n);
      const netstack = stacks.get(n) ?? DEFAULT_STACK;
      const t = tags.get(n) ?? [];
      const at = attach.get(n);
      return {
        name: n,
        address: `${formatIp(a?.ip ?? 0)}/${a?.len ?? 32}`,
        ...(netstack !== DEFAULT_STACK ? { netstack } : {}),
        ...(t.length ? { tags: t } : {}),
        ...(a?.gateway ? { gateway: formatIp(a.gateway) } : {}),
        ...(at ? { attach: at } : {}),
      };
    });

  const gateways = new Map<string, Ip | null>();
  const stackOrder: string[] = [DEFAULT_STACK];
  const nsList = get('network-ip-netstack-list');
  if (nsList)
    for (const r of parseNetstackList(nsList))
      if (!stackOrder.includes(r.name)) stackOrder.push(r.name);
  const routes: RouteSetup[] = [];
  const routeKeys = new Set<string>();
  const addRoutes = (o: CommandOutput, stack: string, rows: readonly RouteRow[]) => {
    if (!stackOrder.includes(stack)) stackOrder.push(stack);
    for (const r of rows) {
      if (r.gateway === null) continue;
      if (r.network.len === 0) {
        // One default slot per stack (research-notes B): a `default` row and a 0.0.0.0/0 row,
        // or two defaults, with different gateways cannot both hold.
        const prev = gateways.get(stack);
        if (prev != null && prev !== r.gateway)
          throw new EsxcliParseError(
            o.file,
            r.line,
            `a second default route for ${stack} (via ${formatIp(r.gateway)}, beside the default gateway ${formatIp(prev)}): a netstack has one default route`,
          );
        gateways.set(stack, r.gateway);
        continue;
      }
      const network = formatPrefix(r.network);
      const k = `${stack}|${network}`;
      if (routeKeys.has(k)) {
        throw new EsxcliParseError(o.file, r.line, `a second route to ${network} in ${stack}`);
      }
      routeKeys.add(k);
      routes.push({
        ...(stack !== DEFAULT_STACK ? { netstack: stack } : {}),
        network,
        gateway: formatIp(r.gateway),
      });
    }
  };
  const routeMain = get('network-ip-route-ipv4-list');
  const esxcfgRoute = get('esxcfg-route-l') ?? get('esxcfg-route');
  if (!routeMain && !esxcfgRoute) throw missing('network-ip-route-ipv4-list (or esxcfg-route-l)');
  if (routeMain) addRoutes(routeMain, DEFAULT_STACK, parseRouteList(routeMain));
  else if (esxcfgRoute) addRoutes(esxcfgRoute, DEFAULT_STACK, parseEsxcfgRoute(esxcfgRoute));
  for (const o of outputs) {
    const m = /^network-ip-route-ipv4-list-N-(.+)$/.exec(o.key);
    if (!m) continue;
    read.push(o.key);
    addRoutes(o, m[1] ?? '', parseRouteList(o));
  }

  const setup: HostSetup = {
    name,
    version,
    vmks,
    netstacks: stackOrder.map((s) => {
      const gw = gateways.get(s);
      return { name: s, ...(gw ? { gateway: formatIp(gw) } : {}) };
    }),
    routes,
  };

  const rsList = get('network-firewall-ruleset-list');
  let firewall: HostFirewall | null = null;
  if (rsList) {
    const rules = new Map<string, Ruleset['rules'][number][]>();
    const rows = parseRulesetList(rsList);
    for (const r of rows) {
      if (rules.has(r.id))
        throw new EsxcliParseError(rsList.file, r.line, `ruleset ${r.id} listed twice`);
      rules.set(r.id, []);
    }
    const ruleSrc = get('network-firewall-ruleset-rule-list');
    if (ruleSrc) {
      for (const r of parseRuleList(ruleSrc)) {
        const list = rules.get(r.ruleset);
        if (!list)
          throw new EsxcliParseError(
            ruleSrc.file,
            r.line,
            `ruleset ${show(r.ruleset)} is not in network-firewall-ruleset-list`,
          );
        if (r.rule) list.push(r.rule);
      }
    }
    // Who may use each ruleset (research-notes C7, F): every ruleset of the list, once.
    const allowed = new Map<string, { allowedAll: boolean; ips: readonly string[] }>();
    const ipSrc = get('network-firewall-ruleset-allowedip-list');
    if (ipSrc) {
      for (const r of parseAllowedIpList(ipSrc)) {
        if (!rules.has(r.ruleset))
          throw new EsxcliParseError(
            ipSrc.file,
            r.line,
            `ruleset ${show(r.ruleset)} is not in network-firewall-ruleset-list`,
          );
        if (allowed.has(r.ruleset))
          throw new EsxcliParseError(ipSrc.file, r.line, `ruleset ${r.ruleset} listed twice`);
        allowed.set(r.ruleset, { allowedAll: r.allowedAll, ips: r.ips });
        if (r.ipv6.length > 0)
          notes.push(
            `${r.ruleset} allows IPv6 ${r.ipv6.join(', ')} too: kept out, the model is IPv4 only`,
          );
      }
      const missed = rows.find((r) => !allowed.has(r.id));
      if (missed)
        throw new EsxcliParseError(
          ipSrc.file,
          ipSrc.offset ?? 0,
          `ruleset ${missed.id} (network-firewall-ruleset-list line ${missed.line}) has no row: expected the full listing, one row per ruleset`,
        );
    }
    const vibSrc = get('software-vib-list');
    const vibs = vibSrc ? parseVibList(vibSrc) : [];
    firewall = {
      ...initFirewall(name, version, CORRECT),
      rulesets: rows.map((r) => ({
        id: r.id,
        label: r.id,
        enabled: r.enabled,
        allowedAll: allowed.get(r.id)?.allowedAll ?? true,
        allowedIps: allowed.get(r.id)?.ips ?? [],
        rules: rules.get(r.id) ?? [],
        vib: r.id === TO_CLOUD_RULESET ? VR2C_VIB : null,
        ...(r.configurable ? { configurable: r.configurable } : {}),
      })),
      vibs: vibs.map((v) => ({
        name: v.name,
        version: v.version,
        vendor: v.vendor,
        acceptance: v.acceptance,
        installedAt: 0,
      })),
    };
  }
  return {
    setup,
    release,
    firewall,
    allowedIps: firewall !== null && read.includes('network-firewall-ruleset-allowedip-list'),
    read,
    notes,
  };
}
