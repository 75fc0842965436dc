// Hosts and firewalls written as esxcli would print them (research-notes C1-C10): default
// text, --formatter=csv and --formatter=xml, the older esxcfg listings, and transcripts.
// The fixtures are generated with it, and the round-trip property parses it back.

import { ESXCLI_XMLNS, type Format, fieldKey } from '../../model/esxcli/records.ts';
import type { HostFirewall } from '../../model/firewall/firewall.ts';
import { hostFromSetup } from '../../model/network/host.ts';
import { contains, formatIp, maskOf, prefix } from '../../model/network/ipv4.ts';
import { DEFAULT_STACK, type HostSetup, type NetHost } from '../../model/network/types.ts';
import type { EsxiVersion } from '../../model/variants.ts';

/** A field's xml type; `list` is a list of strings, `, `-separated in the text form. */
type Kind = 'string' | 'integer' | 'boolean' | 'list';
interface Col {
  readonly name: string;
  readonly kind?: Kind;
  readonly right?: boolean;
}

/** A command's output as data: a table, or records (a vertical listing). */
type Output =
  | {
      readonly shape: 'table';
      readonly typeName: string;
      readonly cols: readonly Col[];
      readonly rows: readonly (readonly string[])[];
    }
  | {
      readonly shape: 'records';
      readonly typeName: string;
      readonly cols: readonly Col[];
      readonly records: readonly {
        readonly title: string | null;
        readonly values: readonly string[];
      }[];
      /** Text only: a blank line before the first record (C1, C5). */
      readonly lead?: boolean;
    }
  | { readonly shape: 'raw'; readonly text: string };

export interface Command {
  readonly key: string;
  readonly command: string;
  readonly output: Output;
}

function textTable(cols: readonly Col[], rows: readonly (readonly string[])[]): string {
  const w = cols.map((c, i) => Math.max(c.name.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((v, i) => (cols[i]?.right ? v.padStart(w[i] ?? 0) : v.padEnd(w[i] ?? 0)))
      .join('  ')
      .replace(/\s+$/, '');
  return [
    line(cols.map((c) => c.name)),
    line(w.map((n) => '-'.repeat(n))),
    ...rows.map((r) => line(r)),
  ].join('\n');
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * A field's name in csv and xml: the display name without spaces (research-notes C10), and
 * without the slash of 8.0U2's "Enable/Disable configurable", which those names cannot hold
 * (UNCONFIRMED: no 8.0U2 csv or xml sample).
 */
const structuredKey = (display: string) => fieldKey(display).replace(/[^A-Za-z0-9]/g, '');

function csv(cols: readonly Col[], rows: readonly (readonly string[])[]): string {
  // Field order is alphabetical by field name (research-notes C10).
  const order = cols
    .map((c, i) => ({ k: structuredKey(c.name), i }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return [
    order.map((o) => `${o.k},`).join(''),
    ...rows.map((r) => order.map((o) => `${csvCell(r[o.i] ?? '')},`).join('')),
  ].join('\n');
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xml(
  typeName: string,
  cols: readonly Col[],
  rows: readonly (readonly string[])[],
  list: boolean,
): string {
  const ind = list ? '   ' : '  ';
  const structure = (r: readonly string[]) => [
    `${ind.slice(1)}<structure typeName="${typeName}">`,
    ...cols.map((c, i) => {
      const v = r[i] ?? '';
      const k = structuredKey(c.name);
      if (c.kind === 'list') {
        const items = v === '' ? [] : v.split(', ');
        return `${ind}<field name="${k}"><list type="string">${items.map((x) => `<string>${esc(x)}</string>`).join('')}</list></field>`;
      }
      const kind = c.kind ?? 'string';
      return `${ind}<field name="${k}"><${kind}>${esc(v)}</${kind}></field>`;
    }),
    `${ind.slice(1)}</structure>`,
  ];
  return [
    '<?xml version="1.0" ?>',
    `<output xmlns="${ESXCLI_XMLNS}">`,
    ...(list
      ? [' <list type="structure">', ...rows.flatMap(structure), ' </list>']
      : rows.flatMap(structure)),
    '</output>',
  ].join('\n');
}

export function renderOutput(o: Output, format: Format): string {
  if (o.shape === 'raw') return o.text;
  const rows = o.shape === 'table' ? o.rows : o.records.map((r) => r.values);
  if (format === 'csv') return csv(o.cols, rows);
  if (format === 'xml')
    return xml(
      o.typeName,
      o.cols,
      rows,
      o.shape === 'table' || o.records.length !== 1 || o.records[0]?.title !== null,
    );
  if (o.shape === 'table') return textTable(o.cols, o.rows);
  const blocks = o.records.map((r) =>
    [
      ...(r.title !== null ? [r.title] : []),
      ...o.cols.map((c, i) => `   ${c.name}: ${r.values[i] ?? ''}`),
    ].join('\n'),
  );
  return `${o.lead ? '\n' : ''}${blocks.join('\n\n')}`;
}

const mask = (len: number) => formatIp(maskOf(len));
const VERSION_TEXT: Readonly<Record<EsxiVersion, [string, string, string]>> = {
  '5.5': ['5.5.0', '1331820', '0'],
  '6.0': ['6.0.0', '3620759', '0'],
  '6.5': ['6.5.0', '4564106', '0'],
  '6.5U1': ['6.5.0', '5969303', '1'],
  '6.7': ['6.7.0', '8169922', '0'],
  '7.0': ['7.0.0', '15843807', '0'],
  // 8.0 Update 2, the release whose `ruleset list` has the configurable columns (notes F).
  '8.0': ['8.0.0', '22380479', '2'],
};
const preSixFive = (v: EsxiVersion) => v === '5.5' || v === '6.0';

function stackHasVmkNetstackLine(h: NetHost): boolean {
  // 5.x prints no Netstack Instance line (C1); keep it where a custom stack must show.
  return h.version !== '5.5' || h.vmks.some((v) => v.netstack !== DEFAULT_STACK);
}

function routeRows(h: NetHost, stack: string, localSubnet: boolean): string[][] {
  const vmks = [...h.vmks].filter((v) => v.netstack === stack).sort((a, b) => a.order - b.order);
  const ifaceFor = (gw: number) =>
    (vmks.find((v) => contains(prefix(v.ip, v.len), gw)) ?? vmks[0])?.name ?? 'None';
  const rows: string[][] = [];
  const src = localSubnet ? [] : ['MANUAL'];
  const gw = h.netstacks.find((n) => n.name === stack)?.gateway ?? null;
  if (gw !== null) rows.push(['default', '0.0.0.0', formatIp(gw), ifaceFor(gw), ...src]);
  const seen = new Set<string>();
  for (const v of vmks) {
    const p = prefix(v.ip, v.len);
    const k = `${p.addr}/${p.len}`;
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push([
      formatIp(p.addr),
      mask(p.len),
      localSubnet ? 'Local Subnet' : '0.0.0.0',
      v.name,
      ...src,
    ]);
  }
  for (const r of h.routes.filter((x) => x.netstack === stack)) {
    rows.push([
      formatIp(r.network.addr),
      mask(r.network.len),
      formatIp(r.gateway),
      ifaceFor(r.gateway),
      ...src,
    ]);
  }
  return rows;
}

const ROUTE_COLS: Col[] = [
  { name: 'Network' },
  { name: 'Netmask' },
  { name: 'Gateway' },
  { name: 'Interface' },
  { name: 'Source' },
];

/** esxcfg-vmknic -l with the 6.x column positions of research-notes C9. */
function vmknicText(h: NetHost): string {
  const W = [11, 40, 10, 40, 16, 16, 18, 8, 10, 8, 20];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < W.length ? c.padEnd(W[i] ?? 0) : c))
      .join('')
      .replace(/\s+$/, '');
  const rows = [...h.vmks]
    .sort((a, b) => a.order - b.order)
    .map((v, i) =>
      line([
        v.name,
        i === 0 ? 'Management Network' : `VMkernel ${v.name}`,
        'IPv4',
        formatIp(v.ip),
        mask(v.len),
        formatIp((prefix(v.ip, v.len).addr | (~maskOf(v.len) >>> 0)) >>> 0),
        mac(i),
        '1500',
        '65535',
        'true',
        'STATIC',
        v.netstack,
      ]),
    );
  return [
    line([
      'Interface',
      'Port Group/DVPort/Opaque Network',
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
    ]),
    ...rows,
  ].join('\n');
}

const mac = (i: number) => `00:50:56:6c:01:${(0x11 + i).toString(16).padStart(2, '0')}`;

export interface RenderOptions {
  /** esxcfg-vmknic -l and esxcfg-route -l instead of the esxcli interface and route lists. */
  readonly legacy?: boolean;
}

/** Every command output a host's check reads, in the order one would type them. */
export function hostCommands(
  setup: HostSetup,
  fw: HostFirewall | null,
  opts: RenderOptions = {},
): Command[] {
  const h = hostFromSetup(setup);
  const vmks = [...h.vmks].sort((a, b) => a.order - b.order);
  const out: Command[] = [];
  const [ver, build, update] = VERSION_TEXT[h.version];
  out.push({
    key: 'system-version-get',
    command: 'esxcli system version get',
    output: {
      shape: 'records',
      typeName: 'VersionGet',
      cols: [
        { name: 'Product' },
        { name: 'Version' },
        { name: 'Build' },
        { name: 'Update' },
        { name: 'Patch' },
      ],
      records: [
        { title: null, values: ['VMware ESXi', ver, `Releasebuild-${build}`, update, '0'] },
      ],
    },
  });
  if (opts.legacy) {
    out.push({
      key: 'esxcfg-vmknic-l',
      command: 'esxcfg-vmknic -l',
      output: { shape: 'raw', text: vmknicText(h) },
    });
  } else {
    const withNs = stackHasVmkNetstackLine(h);
    const five = h.version === '5.5';
    const cols: Col[] = [
      { name: 'Name' },
      { name: 'MAC Address' },
      { name: 'Enabled', kind: 'boolean' },
      { name: 'Portset' },
      { name: 'Portgroup' },
      ...(withNs ? [{ name: 'Netstack Instance' }] : []),
      { name: 'VDS Name' },
      { name: 'VDS UUID' },
      { name: 'VDS Port' },
      { name: 'VDS Connection', kind: 'integer' as const },
      ...(five
        ? []
        : [
            { name: 'Opaque Network ID' },
            { name: 'Opaque Network Type' },
            { name: 'External ID' },
          ]),
      { name: 'MTU', kind: 'integer' },
      { name: 'TSO MSS', kind: 'integer' },
      ...(five ? [] : [{ name: 'RXDispQueue Size', kind: 'integer' as const }]),
      { name: 'Port ID', kind: 'integer' },
    ];
    out.push({
      key: 'network-ip-interface-list',
      command: 'esxcli network ip interface list',
      output: {
        shape: 'records',
        typeName: 'NetworkInterface',
        cols,
        lead: !five,
        records: vmks.map((v, i) => ({
          title: v.name,
          values: [
            v.name,
            mac(i),
            'true',
            v.attach?.dvs ? 'DvsPortset-0' : 'vSwitch0',
            v.attach
              ? (v.attach.portgroup ?? 'N/A')
              : i === 0
                ? 'Management Network'
                : `VMkernel ${v.name}`,
            ...(withNs ? [v.netstack] : []),
            v.attach?.dvs ?? 'N/A',
            v.attach?.dvs ? '50 1e 5b ad e3 b4 af 25-18 f3 1c 4c fa 98 3d bb' : 'N/A',
            v.attach?.dvport ?? 'N/A',
            '-1',
            ...(five ? [] : ['N/A', 'N/A', 'N/A']),
            String(v.attach?.mtu ?? 1500),
            '65535',
            ...(five ? [] : ['1']),
            String(33554436 + i),
          ],
        })),
      },
    });
    const gwCol = !preSixFive(h.version);
    out.push({
      key: 'network-ip-interface-ipv4-get',
      command: 'esxcli network ip interface ipv4 get',
      output: {
        shape: 'table',
        typeName: 'IPv4Interface',
        cols: [
          { name: 'Name' },
          { name: 'IPv4 Address' },
          { name: 'IPv4 Netmask' },
          { name: 'IPv4 Broadcast' },
          { name: 'Address Type' },
          ...(gwCol ? [{ name: 'Gateway' }] : []),
          { name: 'DHCP DNS', kind: 'boolean', right: true },
        ],
        rows: vmks.map((v) => [
          v.name,
          formatIp(v.ip),
          mask(v.len),
          formatIp((prefix(v.ip, v.len).addr | (~maskOf(v.len) >>> 0)) >>> 0),
          'STATIC',
          ...(gwCol ? [v.gateway === null ? '0.0.0.0' : formatIp(v.gateway)] : []),
          'false',
        ]),
      },
    });
  }
  out.push({
    key: 'network-ip-netstack-list',
    command: 'esxcli network ip netstack list',
    output: {
      shape: 'records',
      typeName: 'Netstack',
      lead: true,
      cols: [{ name: 'Key' }, { name: 'Name' }, { name: 'State', kind: 'integer' }],
      records: h.netstacks.map((n) => ({ title: n.name, values: [n.name, n.name, '4660'] })),
    },
  });
  for (const v of vmks) {
    out.push({
      key: `network-ip-interface-tag-get-${v.name}`,
      command: `esxcli network ip interface tag get -i ${v.name}`,
      output: {
        shape: 'records',
        typeName: 'TagList',
        cols: [{ name: 'Tags', kind: 'list' }],
        records: [{ title: null, values: [v.tags.join(', ')] }],
      },
    });
  }
  if (opts.legacy) {
    const rows = routeRows(h, DEFAULT_STACK, true);
    const text = [
      'VMkernel Routes:',
      ...[['Network', 'Netmask', 'Gateway', 'Interface'], ...rows].map((r) =>
        r.map((c, i) => (i < 3 ? c.padEnd(17) : c)).join(''),
      ),
    ].join('\n');
    out.push({ key: 'esxcfg-route-l', command: 'esxcfg-route -l', output: { shape: 'raw', text } });
  } else {
    out.push({
      key: 'network-ip-route-ipv4-list',
      command: 'esxcli network ip route ipv4 list',
      output: {
        shape: 'table',
        typeName: 'RouteEntry',
        cols: ROUTE_COLS,
        rows: routeRows(h, DEFAULT_STACK, false),
      },
    });
  }
  for (const n of h.netstacks.filter((x) => x.name !== DEFAULT_STACK)) {
    const rows = routeRows(h, n.name, false);
    if (rows.length === 0) continue;
    out.push({
      key: `network-ip-route-ipv4-list-N-${n.name}`,
      command: `esxcli network ip route ipv4 list -N ${n.name}`,
      output: { shape: 'table', typeName: 'RouteEntry', cols: ROUTE_COLS, rows },
    });
  }
  if (fw) {
    // ESXi 8.0U2 adds two columns (research-notes F), shown where the rulesets carry them.
    const four = fw.rulesets.some((r) => r.configurable !== undefined);
    out.push({
      key: 'network-firewall-ruleset-list',
      command: 'esxcli network firewall ruleset list',
      output: {
        shape: 'table',
        typeName: 'Ruleset',
        cols: [
          { name: 'Name' },
          { name: 'Enabled', kind: 'boolean', right: true },
          ...(four
            ? [
                { name: 'Enable/Disable configurable', kind: 'boolean' as const, right: true },
                { name: 'Allowed IP configurable', kind: 'boolean' as const, right: true },
              ]
            : []),
        ],
        rows: fw.rulesets.map((r) => [
          r.id,
          String(r.enabled),
          ...(four
            ? [String(r.configurable?.enable ?? true), String(r.configurable?.allowedIp ?? true)]
            : []),
        ]),
      },
    });
    const cap = (s: string) => s[0]?.toUpperCase() + s.slice(1);
    out.push({
      key: 'network-firewall-ruleset-rule-list',
      command: 'esxcli network firewall ruleset rule list',
      output: {
        shape: 'table',
        typeName: 'Rule',
        cols: [
          { name: 'Ruleset' },
          { name: 'Direction' },
          { name: 'Protocol' },
          { name: 'Port Type' },
          { name: 'Port Begin', kind: 'integer', right: true },
          { name: 'Port End', kind: 'integer', right: true },
        ],
        rows: fw.rulesets.flatMap((rs) =>
          rs.rules.map((r) => [
            rs.id,
            cap(r.direction),
            r.protocol.toUpperCase(),
            cap(r.portType),
            String(r.begin),
            String(r.end),
          ]),
        ),
      },
    });
    out.push({
      key: 'network-firewall-ruleset-allowedip-list',
      command: 'esxcli network firewall ruleset allowedip list',
      output: {
        shape: 'table',
        typeName: 'RulesetAllowedIPs',
        cols: [{ name: 'Ruleset' }, { name: 'Allowed IP Addresses', kind: 'list' }],
        // "All", or the list comma-separated as the vCLI examples print it (research-notes C7).
        rows: fw.rulesets.map((r) => [r.id, r.allowedAll ? 'All' : r.allowedIps.join(', ')]),
      },
    });
    out.push({
      key: 'software-vib-list',
      command: 'esxcli software vib list',
      output: {
        shape: 'table',
        typeName: 'VIBSummary',
        cols: [
          { name: 'Name' },
          { name: 'Version' },
          { name: 'Vendor' },
          { name: 'Acceptance Level' },
          { name: 'Install Date' },
        ],
        rows: fw.vibs.map((v) => [v.name, v.version, v.vendor, v.acceptance, '2017-10-01']),
      },
    });
  }
  return out;
}

const formatted = (c: Command, format: Format): Format =>
  c.output.shape === 'raw' ? 'text' : format;
const EXT: Readonly<Record<Format, string>> = { text: 'txt', csv: 'csv', xml: 'xml' };

/** One file per command, named by its words joined with dashes. */
export function renderHostFiles(
  setup: HostSetup,
  fw: HostFirewall | null,
  format: Format = 'text',
  opts: RenderOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of hostCommands(setup, fw, opts)) {
    const f = formatted(c, format);
    out[`${c.key}.${EXT[f]}`] = `${renderOutput(c.output, f)}\n`;
  }
  return out;
}

/** A copied terminal session: a prompt line before each command's output. */
export function renderTranscript(
  setup: HostSetup,
  fw: HostFirewall | null,
  opts: RenderOptions & { readonly prompt?: 'bracket' | 'tilde'; readonly format?: Format } = {},
): string {
  const prompt = opts.prompt === 'tilde' ? '~ # ' : `[root@${setup.name}:~] `;
  const format = opts.format ?? 'text';
  return `${hostCommands(setup, fw, opts)
    .map((c) => {
      const f = formatted(c, format);
      const cmd =
        f === 'text' ? c.command : c.command.replace(/^esxcli /, `esxcli --formatter=${f} `);
      return `${prompt}${cmd}\n${renderOutput(c.output, f)}`;
    })
    .join('\n')}\n${prompt}\n`;
}
