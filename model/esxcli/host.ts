// A host's command outputs, from a folder (one file per command) or a transcript, assembled
// into the model's HostSetup and a firewall view (research-notes C; DESIGN "Real
// configurations").
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
  type VmkSetup,
} from '../network/types.ts';
import { CORRECT } from '../variants.ts';
import {
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

/** One command's output: its key is the command words joined with dashes. */
export interface CommandOutput extends Source {
  readonly key: string;
}

export interface ParsedHost {
  readonly setup: HostSetup;
  /** null when no `network firewall ruleset list` was given: the firewall is not checked. */
  readonly firewall: HostFirewall | null;
  /** Which command outputs were read, by key. */
  readonly read: readonly string[];
}

const FORMATS: Readonly<Record<string, Format>> = { txt: 'text', csv: 'csv', xml: 'xml' };

/** `network-ip-route-ipv4-list.csv` -> key and formatter; null for a file that is no output. */
export function commandOfFile(name: string): { key: string; format: Format } | null {
  const m = /^([A-Za-z0-9_.-]+)\.(txt|csv|xml)$/.exec(name);
  const format = m ? FORMATS[m[2] ?? ''] : undefined;
  return m && format ? { key: m[1] ?? '', format } : null;
}

/** The command line of a transcript prompt as a file key and formatter. */
export function commandKey(
  cmd: string,
  file: string,
  line: number,
): { key: string; format: Format } {
  const words = cmd.trim().split(/\s+/);
  const head = words[0] ?? '';
  if (head.startsWith('esxcfg-'))
    return { key: words.map((w) => w.replace(/^-+/, '')).join('-'), format: 'text' };
  if (head !== 'esxcli')
    throw new EsxcliParseError(
      file,
      line,
      `expected an esxcli or esxcfg command, got ${show(cmd)}`,
    );
  let format: Format = 'text';
  const parts: string[] = [];
  const suffix: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    const [opt, inline] = w.includes('=')
      ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]
      : [w, undefined];
    const value = () => inline ?? words[++i] ?? '';
    if (opt === '--formatter' || opt === '-f') {
      const f = value();
      if (f !== 'csv' && f !== 'xml')
        throw new EsxcliParseError(file, line, `--formatter: expected csv or xml, got ${show(f)}`);
      format = f;
    } else if (opt === '-i' || opt === '--interface-name') suffix.push(value());
    else if (opt === '-N' || opt === '--netstack') suffix.push('N', value());
    else if (opt === '-r' || opt === '--ruleset-id')
      throw new EsxcliParseError(file, line, 'expected the full listing: drop -r/--ruleset-id');
    else if (opt.startsWith('-'))
      throw new EsxcliParseError(file, line, `unsupported option ${show(opt)}`);
    else parts.push(w);
  }
  return { key: [...parts, ...suffix].join('-'), format };
}

// `[root@esx-01:~] esxcli ...`, `~ # esxcli ...`
const PROMPT = /^\s*(?:\[[^\]]*\]\s*|~\s*#\s*)((?:esxcli|esxcfg-)\S*(?:\s.*)?)$/;

/** Splits a transcript into one output per prompt line. */
export function splitTranscript(file: string, text: string): CommandOutput[] {
  const lines = text.split(/\r?\n/);
  const out: CommandOutput[] = [];
  let cur: { key: string; format: Format; start: number; body: string[] } | null = null;
  const flush = () => {
    if (cur)
      out.push({
        key: cur.key,
        format: cur.format,
        file,
        text: cur.body.join('\n'),
        offset: cur.start,
      });
  };
  lines.forEach((l, i) => {
    const m = PROMPT.exec(l);
    if (m) {
      flush();
      const { key, format } = commandKey(m[1] ?? '', file, i + 1);
      cur = { key, format, start: i + 1, body: [] };
    } else if (/^\s*(?:\[[^\]]*\]|~\s*#)\s*$/.test(l)) {
      // A bare prompt ends the previous output.
      flush();
      cur = null;
    } else if (cur) cur.body.push(l);
    else if (l.trim() !== '')
      throw new EsxcliParseError(
        file,
        i + 1,
        `expected a prompt line such as "[root@esx-01:~] esxcli ...", got ${show(l.trim())}`,
      );
  });
  flush();
  if (out.length === 0) throw new EsxcliParseError(file, 0, 'no commands found in the transcript');
  return out;
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

  const verSrc = get('system-version-get');
  if (!verSrc) throw missing('system-version-get (esxcli system version get)');
  const version = parseSystemVersion(verSrc);

  const ifList = get('network-ip-interface-list');
  const ipv4 = get('network-ip-interface-ipv4-get');
  const vmknic = get('esxcfg-vmknic-l');
  if (!ifList && !vmknic) throw missing('network-ip-interface-list (or esxcfg-vmknic-l)');
  if (!ipv4 && !vmknic) throw missing('network-ip-interface-ipv4-get (or esxcfg-vmknic-l)');

  // Netstacks per vmk: interface list, else esxcfg-vmknic; 5.x has neither (default stack).
  const stacks = new Map<string, string | null>();
  const known = new Set<string>();
  if (ifList) {
    for (const r of parseInterfaceList(ifList)) {
      if (known.has(r.name))
        throw new EsxcliParseError(ifList.file, r.line, `${r.name} listed twice`);
      known.add(r.name);
      stacks.set(r.name, r.netstack);
    }
  }
  const nic = vmknic ? parseEsxcfgVmknic(vmknic) : [];
  if (!ifList)
    for (const r of nic) {
      known.add(r.name);
      stacks.set(r.name, r.netstack);
    }
  const addrs = new Map<string, { ip: Ip; len: number; gateway: Ip | null }>();
  if (ipv4) {
    for (const r of parseIpv4Get(ipv4)) {
      if (!known.has(r.name))
        throw new EsxcliParseError(
          ipv4.file,
          r.line,
          `${r.name} is not in ${ifList ? 'network-ip-interface-list' : 'esxcfg-vmknic-l'}`,
        );
      if (addrs.has(r.name))
        throw new EsxcliParseError(ipv4.file, r.line, `${r.name} listed twice`);
      if (r.ip !== 0) addrs.set(r.name, { ip: r.ip, len: r.len, gateway: r.gateway });
    }
  } else {
    for (const r of nic)
      if (!addrs.has(r.name)) addrs.set(r.name, { ip: r.ip, len: r.len, gateway: null });
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
    tags.set(vmk, parseTagGet(o));
  }

  // Vmks in creation order, taken as vmk number order (no output records creation order).
  const vmks: VmkSetup[] = [...addrs.keys()]
    .sort((a, b) => vmkNumber(a) - vmkNumber(b))
    .map((n) => {
      const a = addrs.get(n);
      const netstack = stacks.get(n) ?? DEFAULT_STACK;
      const t = tags.get(n) ?? [];
      return {
        name: n,
        address: `${formatIp(a?.ip ?? 0)}/${a?.len ?? 32}`,
        ...(netstack !== DEFAULT_STACK ? { netstack } : {}),
        ...(t.length ? { tags: t } : {}),
        ...(a?.gateway ? { gateway: formatIp(a.gateway) } : {}),
      };
    });

  const gateways = new Map<string, Ip | null>();
  const stackOrder: string[] = [DEFAULT_STACK];
  const nsList = get('network-ip-netstack-list');
  if (nsList)
    for (const r of parseNetstackList(nsList))
      if (!stackOrder.includes(r.name)) stackOrder.push(r.name);
  const routes: RouteSetup[] = [];
  const addRoutes = (o: CommandOutput, stack: string, rows: readonly RouteRow[]) => {
    if (!stackOrder.includes(stack)) stackOrder.push(stack);
    for (const r of rows) {
      if (r.gateway === null) continue;
      if (r.network.len === 0) {
        const prev = gateways.get(stack);
        if (prev != null && prev !== r.gateway)
          throw new EsxcliParseError(o.file, r.line, `a second default route for ${stack}`);
        gateways.set(stack, r.gateway);
        continue;
      }
      const network = formatPrefix(r.network);
      if (routes.some((x) => (x.netstack ?? DEFAULT_STACK) === stack && x.network === network)) {
        throw new EsxcliParseError(o.file, r.line, `a second route to ${network} in ${stack}`);
      }
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
    const vibSrc = get('software-vib-list');
    const vibs = vibSrc ? parseVibList(vibSrc) : [];
    firewall = {
      ...initFirewall(name, version, CORRECT),
      rulesets: rows.map((r) => ({
        id: r.id,
        label: r.id,
        enabled: r.enabled,
        allowedAll: true,
        allowedIps: [],
        rules: rules.get(r.id) ?? [],
        vib: r.id === TO_CLOUD_RULESET ? VR2C_VIB : null,
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
  return { setup, firewall, read };
}
