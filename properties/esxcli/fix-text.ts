// Reading back what `npm run check` prints as a fix: the text an admin would paste, parsed into
// model events by a reader written apart from the advisor, so that the properties test the
// printed text and not the advisor's own event list (issue 12: "test the text"). It knows the
// esxcli commands and labelled steps the advisor prints, and refuses anything else.

import type { FirewallEvent } from '../../model/firewall/firewall.ts';
import { formatIp, maskLength, parseIp, parsePrefix } from '../../model/network/ipv4.ts';
import {
  DEFAULT_STACK,
  type NetEvent,
  type NetHost,
  TAGS,
  type Tag,
} from '../../model/network/types.ts';
import { FIX_HEAD, STEPS_HEAD } from '../../scripts/check-render.ts';

export class FixTextError extends Error {
  override readonly name = 'FixTextError';
}

/** One finding as printed: its host, headline, commands and labelled steps. */
export interface PrintedFix {
  readonly host: string;
  readonly headline: string;
  readonly commands: readonly string[];
  readonly steps: readonly string[];
}

/** Every finding with a fix in the text form of `npm run check`. */
export function printedFixes(text: string): PrintedFix[] {
  const out: { host: string; headline: string; commands: string[]; steps: string[] }[] = [];
  let host = '';
  let cur: (typeof out)[number] | null = null;
  let part: 'none' | 'commands' | 'steps' = 'none';
  for (const line of text.split('\n')) {
    const hostLine = /^(\S+) \(ESXi [^)]*\): /.exec(line);
    if (hostLine) {
      host = hostLine[1] ?? '';
      cur = null;
      continue;
    }
    const depth = (line.length - line.trimStart().length) / 2;
    const body = line.trim();
    if (depth === 1) {
      cur = /\[[A-Z0-9, ]+\]$/.test(body)
        ? { host, headline: body, commands: [], steps: [] }
        : null;
      if (cur) out.push(cur);
      part = 'none';
    } else if (cur && depth === 2) {
      part = body === FIX_HEAD ? 'commands' : body === STEPS_HEAD ? 'steps' : 'none';
    } else if (cur && depth === 3) {
      if (part === 'commands') cur.commands.push(body);
      else if (part === 'steps') cur.steps.push(body);
    }
  }
  return out.filter((f) => f.commands.length + f.steps.length > 0);
}

/** The words of a command line, with "double quoted" words as the ESXi shell reads them. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re))
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

/** `-i vmk2 -t static` -> options by every spelling given. */
function options(ws: readonly string[], from: number): Map<string, string> {
  const o = new Map<string, string>();
  for (let i = from; i < ws.length; i++) {
    const w = ws[i] ?? '';
    if (!w.startsWith('-')) throw new FixTextError(`unexpected word ${JSON.stringify(w)}`);
    const eq = w.indexOf('=');
    if (eq > 0) o.set(w.slice(0, eq), w.slice(eq + 1));
    else o.set(w, ws[++i] ?? '');
  }
  return o;
}

const pick = (o: Map<string, string>, ...names: string[]): string | undefined => {
  for (const n of names) if (o.has(n)) return o.get(n);
  return undefined;
};
const need = (o: Map<string, string>, what: string, ...names: string[]): string => {
  const v = pick(o, ...names);
  if (v === undefined || v === '')
    throw new FixTextError(`${what}: expected ${names.join(' or ')}`);
  return v;
};

export interface ParsedEvents {
  readonly net: NetEvent[];
  readonly firewall: FirewallEvent[];
}

/**
 * The events a printed fix means on `h`: each command, then each step. Throws FixTextError on
 * anything that is not one of the forms the check prints, or that refers to a vmk it has not.
 */
export function fixEvents(h: NetHost, fix: Pick<PrintedFix, 'commands' | 'steps'>): ParsedEvents {
  const net: NetEvent[] = [];
  const firewall: FirewallEvent[] = [];
  const host = h.name;
  const vmks = new Map(h.vmks.map((v) => [v.name, v]));
  // `interface add` makes a vmk without an address; the next `ipv4 set` gives it one.
  const pending = new Map<string, string>();
  const routeOf = (line: string) => {
    const ws = words(line);
    if (ws.slice(0, 6).join(' ') !== 'esxcli network ip route ipv4 add')
      throw new FixTextError(`expected a route add in ${JSON.stringify(line)}`);
    const o = options(ws, 6);
    return {
      netstack: pick(o, '--netstack', '-N') ?? DEFAULT_STACK,
      network: parsePrefix(need(o, 'route', '--network', '-n')),
      gateway: need(o, 'route', '--gateway', '-g'),
    };
  };
  for (const line of fix.commands) {
    const ws = words(line);
    const cmd = ws.slice(0, 6).join(' ');
    if (cmd === 'esxcli network ip route ipv4 add') {
      const r = routeOf(line);
      net.push({
        type: 'RouteAdd',
        host,
        netstack: r.netstack,
        network: `${formatIp(r.network.addr)}/${r.network.len}`,
        gateway: r.gateway,
        persist: false,
      });
    } else if (cmd === 'esxcli network ip route ipv4 remove') {
      const o = options(ws, 6);
      const p = parsePrefix(need(o, 'route remove', '--network', '-n'));
      need(o, 'route remove', '--gateway', '-g');
      net.push({
        type: 'RouteRemove',
        host,
        netstack: pick(o, '--netstack', '-N') ?? DEFAULT_STACK,
        network: `${formatIp(p.addr)}/${p.len}`,
      });
    } else if (
      cmd === 'esxcli network ip interface tag add' ||
      cmd === 'esxcli network ip interface tag remove'
    ) {
      const o = options(ws, 6);
      const tag = need(o, 'tag', '-t', '--tagname');
      if (!(TAGS as readonly string[]).includes(tag)) throw new FixTextError(`unknown tag ${tag}`);
      net.push({
        type: ws[5] === 'add' ? 'TagAdd' : 'TagRemove',
        host,
        vmk: need(o, 'tag', '-i', '--interface-name'),
        tag: tag as Tag,
      });
    } else if (cmd === 'esxcli network ip interface ipv4 set') {
      const o = options(ws, 6);
      const vmk = need(o, 'ipv4 set', '-i', '--interface-name');
      if (need(o, 'ipv4 set', '-t', '--type') !== 'static')
        throw new FixTextError('ipv4 set: expected -t static');
      const ip = need(o, 'ipv4 set', '-I', '--ipv4');
      const len = maskLength(need(o, 'ipv4 set', '-N', '--netmask'));
      const gw = pick(o, '-g', '--gateway');
      const stack = pending.get(vmk);
      if (stack !== undefined) {
        pending.delete(vmk);
        net.push({
          type: 'VmkAdd',
          host,
          vmk,
          address: `${ip}/${len}`,
          netstack: stack,
          tags: [],
        });
      } else {
        const v = vmks.get(vmk);
        if (!v) throw new FixTextError(`ipv4 set: no vmk ${vmk} on ${host}`);
        if (v.ip !== parseIp(ip) || v.len !== len)
          throw new FixTextError(`ipv4 set would change ${vmk}'s address, which no fix should`);
      }
      if (gw !== undefined) net.push({ type: 'GatewaySet', host, vmk, gateway: gw });
    } else if (ws.slice(0, 5).join(' ') === 'esxcli network ip interface remove') {
      net.push({
        type: 'VmkRemove',
        host,
        vmk: need(options(ws, 5), 'remove', '-i', '--interface-name'),
      });
    } else if (ws.slice(0, 5).join(' ') === 'esxcli network ip interface add') {
      const o = options(ws, 5);
      const vmk = need(o, 'add', '-i', '--interface-name');
      if (
        pick(o, '-p', '--portgroup-name') === undefined &&
        pick(o, '-s', '--dvs-name') === undefined
      )
        throw new FixTextError('interface add: expected -p PORTGROUP or -s DVS -v PORT');
      pending.set(vmk, pick(o, '-N', '--netstack') ?? DEFAULT_STACK);
    } else if (ws.slice(0, 5).join(' ') === 'esxcli network ip netstack add') {
      net.push({
        type: 'NetstackAdd',
        host,
        netstack: need(options(ws, 5), 'netstack', '-N', '--netstack'),
      });
    } else if (ws.slice(0, 5).join(' ') === 'esxcli network firewall ruleset set') {
      const o = options(ws, 5);
      const e = need(o, 'ruleset set', '-e', '--enabled');
      if (e !== 'true' && e !== 'false')
        throw new FixTextError(`ruleset set: expected -e true or false, got ${e}`);
      firewall.push({
        type: 'RulesetSet',
        host,
        ruleset: need(o, 'ruleset set', '-r', '--ruleset-id'),
        enabled: e === 'true',
      });
    } else if (ws.slice(0, 6).join(' ') === 'esxcli network firewall ruleset allowedip add') {
      const o = options(ws, 6);
      firewall.push({
        type: 'AllowedIpAdd',
        host,
        ruleset: need(o, 'allowedip add', '-r', '--ruleset-id'),
        address: need(o, 'allowedip add', '-i', '--ip-address'),
      });
    } else if (ws.slice(0, 4).join(' ') === 'esxcli software vib install') {
      const v = need(options(ws, 4), 'vib install', '-v', '--viburl');
      if (!/^\/tmp\/vr2c-firewall\.vib$/.test(v)) throw new FixTextError(`vib install: ${v}`);
      firewall.push({ type: 'VibInstallManual', host });
    } else throw new FixTextError(`not a command the check prints: ${JSON.stringify(line)}`);
  }
  if (pending.size > 0)
    throw new FixTextError(`interface add without ipv4 set: ${[...pending.keys()].join(', ')}`);
  for (const step of fix.steps) {
    const local =
      /^to keep it after a reboot, add this line before "exit 0" in \/etc\/rc\.local\.d\/local\.sh: (.+)$/.exec(
        step,
      );
    if (local) {
      const r = routeOf(local[1] ?? '');
      net.push({
        type: 'RoutePersist',
        host,
        netstack: r.netstack,
        network: `${formatIp(r.network.addr)}/${r.network.len}`,
      });
    } else if (
      /^and take this line out of \/etc\/rc\.local\.d\/local\.sh if it is there: /.test(step)
    ) {
      // The route it adds was removed by a command above: nothing more for the model.
    } else if (new RegExp(`^then reboot ${host.replace(/[.]/g, '\\.')}: `).test(step)) {
      net.push({ type: 'Reboot', host });
    } else if (/^first copy vr2c-firewall\.vib to the host/.test(step)) {
      // A copy onto the host: the install command that follows is what changes it.
    } else throw new FixTextError(`not a step the check prints: ${JSON.stringify(step)}`);
  }
  return { net, firewall };
}
