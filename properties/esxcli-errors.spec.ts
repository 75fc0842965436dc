// The esxcli reader's error paths and rarer valid forms, one table row each: malformed command
// output, transcripts, host folders and topology.json raise one EsxcliParseError whose message
// is exactly `file[:line]: what was expected`; csv quoting, xml lists and empty fields,
// formatter options in transcripts, esxcfg-route's default line, ESXi 7/8, ICMP rules and the
// firewall findings' fixes and notes parse and judge to exact values.
import { describe, expect, test } from 'vitest';
import { checkHosts, hostInputs } from '../model/esxcli/check.ts';
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
} from '../model/esxcli/commands.ts';
import {
  assembleHost,
  type CommandOutput,
  commandKey,
  commandOfFile,
  splitTranscript,
} from '../model/esxcli/host.ts';
import {
  ESXCLI_XMLNS,
  EsxcliParseError,
  type Format,
  type Source,
} from '../model/esxcli/records.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import {
  firewallStep,
  type HostFirewall,
  type Ruleset,
  TO_CLOUD_RULESET,
} from '../model/firewall/firewall.ts';
import type { Topology } from '../model/network/intent.ts';
import { parseIp } from '../model/network/ipv4.ts';
import type { HostSetup } from '../model/network/types.ts';
import { CORRECT } from '../model/variants.ts';
import { baseFirewall } from './esxcli/fixtures.ts';
import { renderHostFiles, renderTranscript } from './esxcli/render.ts';

/** The message of the EsxcliParseError `f` raises; any other error is rethrown. */
function parseError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EsxcliParseError) return e.message;
    throw e;
  }
  return '(no error raised)';
}

const src = (text: string, format: Format = 'text', file = 'f.txt'): Source => ({
  file,
  text,
  format,
});
const L = (...lines: string[]) => lines.join('\n');
const posix = (...p: string[]) => p.join('/');

// ---- records.ts, through the command parsers ----

describe('records: every formatter', () => {
  test.each([
    [
      'a key twice in one vertical record',
      () =>
        parseInterfaceList(src(L('vmk0', '   Name: vmk0', '   Enabled: true', '   Enabled: x'))),
      'f.txt:4: Enabled given twice in one record',
    ],
    [
      'a quoted csv field with text after the closing quote',
      () =>
        parseVibList(
          src(
            L('AcceptanceLevel,Name,Vendor,Version,', 'VMwareCertified,"esx-base"x,VMware,6.7.0,'),
            'csv',
            'f.csv',
          ),
        ),
      'f.csv:2: expected a comma after a quoted csv field',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  test('csv: "" inside a quoted field is one quote, and commas inside quotes stay in the field', () => {
    const text = L(
      'AcceptanceLevel,Name,Vendor,Version,',
      'VMwareCertified,"esx-""base""","VMware, Inc.","6.7.0-0, ""beta""",',
    );
    expect(parseVibList(src(text, 'csv', 'f.csv'))).toEqual([
      {
        line: 2,
        name: 'esx-"base"',
        version: '6.7.0-0, "beta"',
        vendor: 'VMware, Inc.',
        acceptance: 'VMwareCertified',
      },
    ]);
  });

  test('text: "Key:" with nothing after the colon is an empty value', () => {
    expect(parseTagGet(src('   Tags:'))).toEqual([]);
    expect(parseTagGet(src(L('   Tags:', '')))).toEqual([]);
  });

  const xmlVib = (version: string) =>
    L(
      '<?xml version="1.0" ?>',
      `<output xmlns="${ESXCLI_XMLNS}">`,
      ' <list type="structure">',
      '  <structure typeName="VIBSummary">',
      '   <field name="AcceptanceLevel"><string>VMwareCertified</string></field>',
      '   <field name="Name"><string>esx-base</string></field>',
      '   <field name="Vendor"><string>VMware &amp; co</string></field>',
      `   <field name="Version">${version}</field>`,
      '  </structure>',
      ' </list>',
      '</output>',
    );

  test('xml: an empty <field> is an empty value; entities are unescaped', () => {
    expect(parseVibList(src(xmlVib(''), 'xml', 'f.xml'))).toEqual([
      {
        line: 4,
        name: 'esx-base',
        version: '',
        vendor: 'VMware & co',
        acceptance: 'VMwareCertified',
      },
    ]);
    expect(parseVibList(src(xmlVib('<string>6.7.0</string>'), 'xml', 'f.xml'))[0]?.version).toBe(
      '6.7.0',
    );
  });

  test('xml: a <list type="string"> is its strings joined with ", "', () => {
    const tags = (inner: string) =>
      L(
        `<output xmlns="${ESXCLI_XMLNS}">`,
        ' <structure typeName="TagList">',
        `  <field name="Tags"><list type="string">${inner}</list></field>`,
        ' </structure>',
        '</output>',
      );
    expect(
      parseTagGet(src(tags('<string>Management</string> <string>VMotion</string>'), 'xml')),
    ).toEqual(['Management', 'VMotion']);
    expect(parseTagGet(src(tags(''), 'xml'))).toEqual([]);
  });
});

// ---- commands.ts ----

describe('commands: bad values name the line and what was expected', () => {
  const vmknic = (mask: string) =>
    L(
      'Interface  Port Group          IP Family IP Address      Netmask         NetStack',
      `vmk1       VMkernel vmk1       IPv4      10.0.0.5        ${mask.padEnd(16)}defaultTcpipStack`,
    );
  test.each([
    [
      'an interface record with neither a title nor a Name',
      () => parseInterfaceList(src('   Enabled: true')),
      'f.txt:1: expected a vmk name such as vmk0, got ""',
    ],
    [
      'a netstack record with neither a title, a Key nor a Name',
      () => parseNetstackList(src(L('   State: 4660', '   Foo: bar'))),
      'f.txt:1: expected a netstack name, got ""',
    ],
    [
      'ipv4 get: an address with netmask 0.0.0.0',
      () =>
        parseIpv4Get(
          src(
            L(
              'Name  IPv4 Address  IPv4 Netmask',
              '----  ------------  ------------',
              'vmk0  172.16.0.11   255.255.255.0',
              'vmk1  10.0.0.5      0.0.0.0',
            ),
          ),
        ),
      'f.txt:4: IPv4 Netmask: expected a netmask longer than 0.0.0.0',
    ],
    [
      'route list: a default route with gateway 0.0.0.0',
      () =>
        parseRouteList(
          src(
            L(
              'Network  Netmask  Gateway  Interface',
              '-------  -------  -------  ---------',
              'default  0.0.0.0  0.0.0.0  vmk0',
            ),
          ),
        ),
      'f.txt:3: expected a gateway for the default route, got none',
    ],
    [
      'esxcfg-route: "VMkernel default gateway is 0.0.0.0"',
      () => parseEsxcfgRoute(src(L('', 'VMkernel default gateway is 0.0.0.0'))),
      'f.txt:2: expected a gateway for the default route, got none',
    ],
    [
      'esxcfg-route: "VMkernel default gateway is" a non-address',
      () => parseEsxcfgRoute(src('VMkernel default gateway is none')),
      'f.txt:1: Gateway: expected a dotted IPv4 address, got "none"',
    ],
    [
      'esxcfg-vmknic: empty output',
      () => parseEsxcfgVmknic(src('')),
      'f.txt: empty output: expected the esxcfg-vmknic header',
    ],
    [
      'esxcfg-vmknic: blank lines only',
      () => parseEsxcfgVmknic(src(L('', '   ', ''))),
      'f.txt: empty output: expected the esxcfg-vmknic header',
    ],
    [
      'esxcfg-vmknic: netmask 0.0.0.0',
      () => parseEsxcfgVmknic(src(vmknic('0.0.0.0'))),
      'f.txt:2: Netmask: expected a netmask longer than 0.0.0.0',
    ],
    [
      'rule list: Port End below Port Begin',
      () =>
        parseRuleList(
          src(
            L(
              'Ruleset  Direction  Protocol  Port Type  Port Begin  Port End',
              '-------  ---------  --------  ---------  ----------  --------',
              'HBR      Outbound   TCP       Dst             31031     31031',
              'NFC      Outbound   TCP       Dst               903       902',
            ),
          ),
        ),
      'f.txt:4: Port End 902 is below Port Begin 903',
    ],
    [
      'version: an Update that is not a number',
      () => parseSystemVersion(src(L('   Version: 6.5.0', '   Update: U1'))),
      'f.txt:1: Update: expected a number, got "U1"',
    ],
    [
      'version: ESXi 9',
      () => parseSystemVersion(src(L('   Product: VMware ESXi', '   Version: 9.0.0'))),
      'f.txt:1: Version: ESXi 9.0.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.x, 8.x)',
    ],
    [
      'version: ESXi 6.6',
      () => parseSystemVersion(src('   Version: 6.6')),
      'f.txt:1: Version: ESXi 6.6 is not modelled (5.5, 6.0, 6.5, 6.7, 7.x, 8.x)',
    ],
    [
      'version: ESXi 4.1',
      () => parseSystemVersion(src('Version,\n4.1.0,', 'csv', 'f.csv')),
      'f.csv:2: Version: ESXi 4.1.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.x, 8.x)',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  test('esxcfg-vmknic: a contiguous netmask parses', () => {
    expect(parseEsxcfgVmknic(src(vmknic('255.255.255.0')))).toEqual([
      { line: 2, name: 'vmk1', ip: parseIp('10.0.0.5'), len: 24, netstack: 'defaultTcpipStack' },
    ]);
  });
});

describe('commands: the rarer valid forms', () => {
  test('ruleset list: Enabled false is a disabled ruleset', () => {
    const text = L(
      'Name       Enabled',
      '---------  -------',
      'HBR          false',
      'NFC           true',
    );
    expect(parseRulesetList(src(text))).toEqual([
      { line: 3, id: 'HBR', enabled: false },
      { line: 4, id: 'NFC', enabled: true },
    ]);
  });

  test('ipv4 get: an unconfigured vmk (0.0.0.0 / 0.0.0.0) is allowed', () => {
    const text = L(
      'Name  IPv4 Address  IPv4 Netmask',
      '----  ------------  ------------',
      'vmk1  0.0.0.0       0.0.0.0',
    );
    expect(parseIpv4Get(src(text))).toEqual([
      { line: 3, name: 'vmk1', ip: 0, len: 0, gateway: null, hasGatewayColumn: false },
    ]);
  });

  test('esxcfg-route: "VMkernel default gateway is X" is the default route on vmk0', () => {
    expect(parseEsxcfgRoute(src('VMkernel default gateway is 172.16.0.1'))).toEqual([
      { line: 1, network: { addr: 0, len: 0 }, gateway: parseIp('172.16.0.1'), iface: 'vmk0' },
    ]);
    const listing = L(
      'VMkernel default gateway is 10.0.0.1',
      'VMkernel Routes:',
      'Network          Netmask          Gateway          Interface',
      '10.0.0.0         255.255.255.0    Local Subnet     vmk1',
    );
    expect(parseEsxcfgRoute(src(listing))).toEqual([
      { line: 1, network: { addr: 0, len: 0 }, gateway: parseIp('10.0.0.1'), iface: 'vmk0' },
      { line: 4, network: { addr: parseIp('10.0.0.0'), len: 24 }, gateway: null, iface: 'vmk1' },
    ]);
  });

  test('rule list: an ICMP rule is read but not modelled (rule null)', () => {
    const text = L(
      'Ruleset      Direction  Protocol  Port Type  Port Begin  Port End',
      '-----------  ---------  --------  ---------  ----------  --------',
      'sshClient    Outbound   TCP       Dst                22        22',
      'icmpEcho     Inbound    ICMP      N/A                 0         0',
    );
    expect(parseRuleList(src(text))).toEqual([
      {
        line: 3,
        ruleset: 'sshClient',
        rule: { direction: 'outbound', protocol: 'tcp', portType: 'dst', begin: 22, end: 22 },
      },
      { line: 4, ruleset: 'icmpEcho', rule: null },
    ]);
  });

  test.each([
    ['7.0.3', '3', '7.0'],
    ['8.0.2', '1', '7.0'],
    ['8.0', '0', '7.0'],
    ['6.5.0', '2', '6.5U1'],
    ['6.5.0', '0', '6.5'],
  ])('version: ESXi %s Update %s is modelled as %s', (version, update, modelled) => {
    expect(parseSystemVersion(src(L(`   Version: ${version}`, `   Update: ${update}`)))).toBe(
      modelled,
    );
  });
});

// ---- host.ts: transcripts and commands ----

describe('transcripts: formatter and other options on the command line', () => {
  test.each([
    ['esxcli -f csv network ip route ipv4 list', 'network-ip-route-ipv4-list', 'csv'],
    ['esxcli --formatter xml system version get', 'system-version-get', 'xml'],
    [
      'esxcli --formatter=xml network ip interface tag get -i vmk1',
      'network-ip-interface-tag-get-vmk1',
      'xml',
    ],
    [
      'esxcli network ip interface tag get --interface-name=vmk2',
      'network-ip-interface-tag-get-vmk2',
      'text',
    ],
    [
      'esxcli network ip route ipv4 list --netstack=replication -f=csv',
      'network-ip-route-ipv4-list-N-replication',
      'csv',
    ],
    ['esxcli network ip route ipv4 list -N repl', 'network-ip-route-ipv4-list-N-repl', 'text'],
    ['esxcfg-route -l', 'esxcfg-route-l', 'text'],
    ['esxcfg-vmknic --list', 'esxcfg-vmknic-list', 'text'],
  ])('%s', (cmd, key, format) => {
    expect(commandKey(cmd, 't.txt', 3)).toEqual({ key, format });
  });

  test.each([
    ['esxcli network firewall ruleset list -f', '--formatter: expected csv or xml, got ""'],
    ['esxcli --formatter=json system version get', '--formatter: expected csv or xml, got "json"'],
    [
      'esxcli --formatter keyvalue system version get',
      '--formatter: expected csv or xml, got "keyvalue"',
    ],
    [
      'esxcli network firewall ruleset rule list -r HBR',
      'expected the full listing: drop -r/--ruleset-id',
    ],
    [
      'esxcli network firewall ruleset rule list --ruleset-id=HBR',
      'expected the full listing: drop -r/--ruleset-id',
    ],
    ['esxcli network ip interface list -v', 'unsupported option "-v"'],
    ['esxcli network ip interface list --verbose=1', 'unsupported option "--verbose"'],
    [
      'esxcli-foo system version get',
      'expected an esxcli or esxcfg command, got "esxcli-foo system version get"',
    ],
  ])('%s', (cmd, detail) => {
    expect(parseError(() => commandKey(cmd, 't.txt', 3))).toBe(`t.txt:3: ${detail}`);
  });

  test('a bad option in a transcript names the prompt line', () => {
    const text = L(
      '[root@esx-01:~] esxcli system version get',
      '   Version: 6.7.0',
      '[root@esx-01:~] esxcli -f json network ip interface list',
    );
    expect(parseError(() => splitTranscript('t.txt', text))).toBe(
      't.txt:3: --formatter: expected csv or xml, got "json"',
    );
  });

  test.each([
    ['an empty file', ''],
    ['blank lines only', '\n\n'],
    ['bare prompts only', L('[root@esx-01:~]', '~ #', '')],
  ])('no commands: %s', (_what, text) => {
    expect(parseError(() => splitTranscript('t.txt', text))).toBe(
      't.txt: no commands found in the transcript',
    );
  });

  test('file names: the command key and the formatter from the extension', () => {
    expect(commandOfFile('network-ip-route-ipv4-list.csv')).toEqual({
      key: 'network-ip-route-ipv4-list',
      format: 'csv',
    });
    expect(commandOfFile('system-version-get.xml')).toEqual({
      key: 'system-version-get',
      format: 'xml',
    });
    expect(commandOfFile('notes.md')).toBeNull();
  });
});

const X: HostSetup = {
  name: 'esx-x',
  version: '6.7',
  vmks: [
    { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'], gateway: '172.16.0.1' },
    {
      name: 'vmk2',
      address: '10.11.12.5/24',
      netstack: 'replication',
      tags: ['vSphereReplication', 'vSphereReplicationNFC'],
    },
  ],
  netstacks: [
    { name: 'defaultTcpipStack', gateway: '172.16.0.1' },
    { name: 'replication', gateway: '10.11.12.1' },
  ],
  routes: [{ netstack: 'replication', network: '10.12.12.0/24', gateway: '10.11.12.1' }],
};

const X_KEYS = [
  'system-version-get',
  'network-ip-interface-list',
  'network-ip-interface-ipv4-get',
  'network-ip-netstack-list',
  'network-ip-interface-tag-get-vmk0',
  'network-ip-interface-tag-get-vmk2',
  'network-ip-route-ipv4-list',
  'network-ip-route-ipv4-list-N-replication',
  'network-firewall-ruleset-list',
  'network-firewall-ruleset-rule-list',
  'software-vib-list',
];

describe('transcripts typed with --formatter=csv and --formatter=xml', () => {
  test.each(['csv', 'xml'] as const)('%s: every output is read in its formatter', (format) => {
    const outs = splitTranscript('t.txt', renderTranscript(X, baseFirewall(X), { format }));
    expect(outs.map((o) => o.key)).toEqual(X_KEYS);
    expect(new Set(outs.map((o) => o.format))).toEqual(new Set([format]));
    const p = assembleHost('esx-x', 't.txt', outs);
    expect(p.setup).toEqual(X);
    expect(p.firewall?.rulesets.map((r) => [r.id, r.enabled, r.rules.length])).toEqual([
      ['HBR', true, 2],
      ['NFC', true, 1],
      ['httpClient', true, 2],
    ]);
    expect(p.firewall?.vibs.map((v) => `${v.name} ${v.version}`)).toEqual(['esx-base 6.7.0-0.0.1']);
  });
});

// ---- host.ts: assembling one host ----

const P = '[root@esx-01:~] ';
/** A small 6.7 host, one line per array entry: line numbers in messages are index + 1. */
const BASE = [
  `${P}esxcli system version get`, // 1
  '   Version: 6.7.0', // 2
  `${P}esxcli network ip interface list`, // 3
  'vmk0', // 4
  '   Name: vmk0', // 5
  '   Netstack Instance: defaultTcpipStack', // 6
  `${P}esxcli network ip interface ipv4 get`, // 7
  'Name  IPv4 Address  IPv4 Netmask', // 8
  '----  ------------  -------------', // 9
  'vmk0  172.16.0.11   255.255.255.0', // 10
  `${P}esxcli network ip route ipv4 list`, // 11
  'Network     Netmask        Gateway     Interface', // 12
  '----------  -------------  ----------  ---------', // 13
  'default     0.0.0.0        172.16.0.1  vmk0', // 14
  '172.16.0.0  255.255.255.0  0.0.0.0     vmk0', // 15
];
/** BASE with `lines` inserted before line `at` (1-based); at = BASE.length + 1 appends. */
const insert = (at: number, ...lines: string[]) => [
  ...BASE.slice(0, at - 1),
  ...lines,
  ...BASE.slice(at - 1),
];
const hostOf = (lines: readonly string[]) =>
  assembleHost('esx-01', 't.txt', splitTranscript('t.txt', L(...lines)));

const FIREWALL = [
  `${P}esxcli network firewall ruleset list`, // 16
  'Name        Enabled', // 17
  '----------  -------', // 18
  'HBR           false', // 19
  'icmpEcho       true', // 20
  `${P}esxcli network firewall ruleset rule list`, // 21
  'Ruleset     Direction  Protocol  Port Type  Port Begin  Port End', // 22
  '----------  ---------  --------  ---------  ----------  --------', // 23
  'HBR         Outbound   TCP       Dst             31031     31031', // 24
  'icmpEcho    Inbound    ICMP      N/A                 0         0', // 25
];

const col = (cells: readonly string[]) =>
  cells.map((c, i) => c.padEnd([11, 20, 10, 16, 16][i] ?? 0)).join('');
const VMKNIC_HOST = [
  `${P}esxcli system version get`, // 1
  '   Version: 6.7.0', // 2
  `${P}esxcfg-vmknic -l`, // 3
  col(['Interface', 'Port Group', 'IP Family', 'IP Address', 'Netmask', 'NetStack']), // 4
  col(['vmk0', 'Management Network', 'IPv4', '172.16.0.11', '255.255.255.0', 'defaultTcpipStack']), // 5
  `${P}esxcli network ip interface ipv4 get`, // 6
  'Name  IPv4 Address  IPv4 Netmask', // 7
  '----  ------------  -------------', // 8
  'vmk0  172.16.0.11   255.255.255.0', // 9
  'vmk3  10.0.0.5      255.255.255.0', // 10
  `${P}esxcfg-route`, // 11
  'VMkernel default gateway is 172.16.0.1', // 12
];

describe('assembling a host: whole-host mistakes name the file and line', () => {
  test('the base transcript is a one-vmk host without a firewall', () => {
    const p = hostOf(BASE);
    expect(p.setup).toEqual({
      name: 'esx-01',
      version: '6.7',
      vmks: [{ name: 'vmk0', address: '172.16.0.11/24' }],
      netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
      routes: [],
    });
    expect(p.firewall).toBeNull();
    expect(p.read).toEqual([
      'system-version-get',
      'network-ip-interface-list',
      'network-ip-interface-ipv4-get',
      'network-ip-route-ipv4-list',
    ]);
  });

  test.each([
    [
      'a command given twice',
      [...BASE, `${P}esxcli system version get`, '   Version: 6.7.0'],
      't.txt:17: system-version-get given twice (also in t.txt)',
    ],
    [
      'a vmk listed twice by interface list',
      insert(7, 'vmk0', '   Name: vmk0'),
      't.txt:7: vmk0 listed twice',
    ],
    [
      'ipv4 get lists a vmk the interface list has not',
      insert(11, 'vmk3  10.0.0.5      255.255.255.0'),
      't.txt:11: vmk3 is not in network-ip-interface-list',
    ],
    [
      'ipv4 get lists a vmk twice',
      insert(11, 'vmk0  172.16.0.12   255.255.255.0'),
      't.txt:11: vmk0 listed twice',
    ],
    [
      'ipv4 get lists a vmk esxcfg-vmknic has not',
      VMKNIC_HOST,
      't.txt:10: vmk3 is not in esxcfg-vmknic-l',
    ],
    [
      'tags for a vmk that is not listed',
      [...BASE, `${P}esxcli network ip interface tag get -i vmk7`, '   Tags: Management'],
      't.txt:17: tags for "vmk7", which is not a listed vmk',
    ],
    [
      'two default routes with different gateways',
      insert(16, 'default     0.0.0.0        172.16.0.254  vmk0'),
      't.txt:16: a second default route for defaultTcpipStack',
    ],
    [
      'two routes to one network',
      insert(
        16,
        '10.12.12.0  255.255.255.0  172.16.0.1  vmk0',
        '10.12.12.0  255.255.255.0  172.16.0.2  vmk0',
      ),
      't.txt:17: a second route to 10.12.12.0/24 in defaultTcpipStack',
    ],
    [
      'a second default route in a custom netstack',
      [
        ...BASE,
        `${P}esxcli network ip route ipv4 list -N repl`,
        'Network     Netmask        Gateway     Interface',
        '----------  -------------  ----------  ---------',
        'default     0.0.0.0        10.0.0.1    vmk0',
        'default     0.0.0.0        10.0.0.2    vmk0',
      ],
      't.txt:20: a second default route for repl',
    ],
    [
      'a ruleset listed twice',
      [...BASE, ...FIREWALL.slice(0, 4), 'HBR            true'],
      't.txt:20: ruleset HBR listed twice',
    ],
  ])('%s', (_what, lines, message) => {
    expect(parseError(() => hostOf(lines))).toBe(message);
  });

  test('the same default route twice is one gateway', () => {
    const p = hostOf(insert(16, 'default     0.0.0.0        172.16.0.1  vmk0'));
    expect(p.setup.netstacks).toEqual([{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }]);
  });

  test('esxcfg-vmknic and plain esxcfg-route stand in for the interface and route lists', () => {
    const p = hostOf(VMKNIC_HOST.filter((l) => !l.startsWith('vmk3')));
    expect(p.setup).toEqual({
      name: 'esx-01',
      version: '6.7',
      vmks: [{ name: 'vmk0', address: '172.16.0.11/24' }],
      netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
      routes: [],
    });
    expect(p.read).toEqual([
      'system-version-get',
      'network-ip-interface-ipv4-get',
      'esxcfg-vmknic-l',
      'esxcfg-route',
    ]);
  });

  test('a firewall without a vib list: disabled rulesets, ICMP rules skipped, no vibs', () => {
    const p = hostOf([...BASE, ...FIREWALL]);
    const rs = (id: string, enabled: boolean, rules: Ruleset['rules']): Ruleset => ({
      id,
      label: id,
      enabled,
      allowedAll: true,
      rules,
      vib: null,
    });
    expect(p.firewall?.rulesets).toEqual([
      rs('HBR', false, [
        { direction: 'outbound', protocol: 'tcp', portType: 'dst', begin: 31031, end: 31031 },
      ]),
      rs('icmpEcho', true, []),
    ]);
    expect(p.firewall?.vibs).toEqual([]);
    expect(p.read.slice(-2)).toEqual([
      'network-firewall-ruleset-list',
      'network-firewall-ruleset-rule-list',
    ]);
  });

  test('a folder host: a command twice, and tags for an unlisted vmk, name the file at line 1', () => {
    const files = renderHostFiles(X, null);
    const outs: CommandOutput[] = Object.entries(files).map(([f, text]) => {
      const c = commandOfFile(f);
      if (!c) throw new Error(`not an output file: ${f}`);
      return { ...c, file: `esx-x/${f}`, text };
    });
    const version = outs.find((o) => o.key === 'system-version-get');
    if (!version) throw new Error('no system-version-get');
    expect(
      parseError(() =>
        assembleHost('esx-x', 'esx-x', [
          ...outs,
          { ...version, file: 'esx-x/system-version-get.csv' },
        ]),
      ),
    ).toBe(
      'esx-x/system-version-get.csv:1: system-version-get given twice (also in esx-x/system-version-get.txt)',
    );
    const tags: CommandOutput = {
      key: 'network-ip-interface-tag-get-vmk7',
      format: 'text',
      file: 'esx-x/network-ip-interface-tag-get-vmk7.txt',
      text: '   Tags: Management\n',
    };
    expect(parseError(() => assembleHost('esx-x', 'esx-x', [...outs, tags]))).toBe(
      'esx-x/network-ip-interface-tag-get-vmk7.txt:1: tags for "vmk7", which is not a listed vmk',
    );
  });
});

// ---- topology.ts ----

type Json = Record<string, unknown> & {
  subnets: Record<string, unknown>[];
  hosts: Record<string, unknown>[];
  appliances: Record<string, unknown>[];
};
const TOPOLOGY = {
  sites: ['primary', 'dr'],
  subnets: [
    { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    { site: 'dr', network: '172.17.0.0/24', gateway: null, purpose: 'management' },
  ],
  hosts: [{ name: 'esx-01', site: 'primary' }],
  appliances: [{ role: 'vcenter', site: 'primary', ip: '172.16.0.10' }],
  replication: [{ from: 'primary', to: 'dr' }],
  fvp: { 'esx-01': 'vmk5' },
  toCloud: false,
};
const topoWith = (change: (t: Json) => void): string => {
  const t = structuredClone(TOPOLOGY) as unknown as Json;
  change(t);
  return JSON.stringify(t);
};

describe('topology.json: a mistake names the field', () => {
  test('a valid topology with declared sites, fvp pins and toCloud', () => {
    const { sites: _sites, ...rest } = TOPOLOGY;
    expect(parseTopology('topology.json', JSON.stringify(TOPOLOGY))).toEqual(rest);
  });

  test('without declared sites any site name is taken', () => {
    const text = topoWith((t) => {
      delete t.sites;
      t.subnets[1] = { ...t.subnets[1], site: 'anywhere' };
    });
    expect(parseTopology('topology.json', text).subnets[1]?.site).toBe('anywhere');
  });

  test.each([
    ['the top level is an array', '[]', 'expected an object, got an array'],
    ['the top level is null', 'null', 'expected an object, got null'],
    [
      'sites is not an array',
      topoWith((t) => {
        t.sites = 'primary';
      }),
      'sites: expected an array, got "primary"',
    ],
    [
      'an empty site name',
      topoWith((t) => {
        t.sites = ['primary', ''];
      }),
      'sites[1]: expected a non-empty string, got ""',
    ],
    [
      'an undeclared site',
      topoWith((t) => {
        t.subnets[1] = { ...t.subnets[1], site: 'drr' };
      }),
      'subnets[1].site: unknown site "drr", expected one of primary, dr',
    ],
    [
      'an undeclared appliance site',
      topoWith((t) => {
        t.appliances[0] = { ...t.appliances[0], site: 'cloud' };
      }),
      'appliances[0].site: unknown site "cloud", expected one of primary, dr',
    ],
    [
      'subnets is null',
      topoWith((t) => {
        t.subnets = null as unknown as Json['subnets'];
      }),
      'subnets: expected an array, got null',
    ],
    [
      'a subnet that is null',
      topoWith((t) => {
        t.subnets[0] = null as unknown as Json['subnets'][number];
      }),
      'subnets[0]: expected an object, got null',
    ],
    [
      'a host that is an array',
      topoWith((t) => {
        t.hosts[0] = [] as unknown as Json['hosts'][number];
      }),
      'hosts[0]: expected an object, got an array',
    ],
    [
      'a network without a prefix length',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], network: '172.16.0.0' };
      }),
      'subnets[0].network: expected a prefix such as 10.11.12.0/24, got "172.16.0.0"',
    ],
    [
      'a prefix length above 32',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], network: '172.16.0.0/33' };
      }),
      'subnets[0].network: expected a prefix length from 0 to 32 in "172.16.0.0/33"',
    ],
    [
      'a network address out of range',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], network: '172.16.0.300/24' };
      }),
      'subnets[0].network: expected a dotted IPv4 address, got "172.16.0.300"',
    ],
    [
      'a gateway outside its network',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], gateway: '172.16.1.1' };
      }),
      'subnets[0].gateway: 172.16.1.1 is not in 172.16.0.0/24',
    ],
    [
      'a gateway that is no address',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], gateway: '172.16.0' };
      }),
      'subnets[0].gateway: expected a dotted IPv4 address, got "172.16.0"',
    ],
    [
      'an appliance ip that is no address',
      topoWith((t) => {
        t.appliances[0] = { ...t.appliances[0], ip: '172.16.0.256' };
      }),
      'appliances[0].ip: expected a dotted IPv4 address, got "172.16.0.256"',
    ],
    [
      'a host name with a space',
      topoWith((t) => {
        t.hosts[0] = { ...t.hosts[0], name: 'esx 01' };
      }),
      'hosts[0].name: expected a host name (letters, digits, . _ -), got "esx 01"',
    ],
    [
      'a host listed twice',
      topoWith((t) => {
        t.hosts = [
          { name: 'esx-01', site: 'primary' },
          { name: 'esx-02', site: 'primary' },
          { name: 'esx-01', site: 'dr' },
        ];
      }),
      'hosts[2].name: esx-01 listed twice',
    ],
    [
      'an fvp pin that is no vmk',
      topoWith((t) => {
        t.fvp = { 'esx-01': 'eth0' };
      }),
      'fvp.esx-01: expected a vmk name such as vmk5, got "eth0"',
    ],
    [
      'toCloud as a string',
      topoWith((t) => {
        t.toCloud = 'yes';
      }),
      'toCloud: expected true or false, got "yes"',
    ],
    [
      'toCloud as a number',
      topoWith((t) => {
        t.toCloud = 1;
      }),
      'toCloud: expected true or false, got number',
    ],
    [
      'toCloud null',
      topoWith((t) => {
        t.toCloud = null;
      }),
      'toCloud: expected true or false, got null',
    ],
    [
      'toCloud as an array',
      topoWith((t) => {
        t.toCloud = [true];
      }),
      'toCloud: expected true or false, got an array',
    ],
  ])('%s', (_what, text, detail) => {
    expect(parseError(() => parseTopology('topology.json', text))).toBe(`topology.json: ${detail}`);
  });
});

// ---- check.ts: firewall findings, their fixes and notes ----

const CHECK_TOPOLOGY: Topology = {
  subnets: [
    { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    { site: 'dr', network: '172.17.0.0/24', gateway: '172.17.0.1', purpose: 'management' },
  ],
  hosts: [{ name: 'esx-01', site: 'primary' }],
  appliances: [
    { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
    { role: 'vrs', site: 'dr', ip: '172.17.0.20' },
    { role: 'vr-appliance', site: 'primary', ip: '172.16.0.30' },
  ],
  replication: [{ from: 'primary', to: 'dr' }],
  toCloud: true,
};
const H: HostSetup = {
  name: 'esx-01',
  version: '6.7',
  vmks: [{ name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] }],
  netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
};
/** H's firewall with the vr2c-firewall vib installed: every checked port is allowed. */
const FW: HostFirewall = (() => {
  const fw = baseFirewall(H);
  const w = firewallStep(
    { now: 0, hosts: { [fw.host]: fw } },
    { type: 'VibInstallManual', host: fw.host },
    CORRECT,
  );
  return w.world.hosts[fw.host] ?? fw;
})();
const changeRuleset = (id: string, f: (r: Ruleset) => Ruleset[]): HostFirewall => ({
  ...FW,
  rulesets: FW.rulesets.flatMap((r) => (r.id === id ? f(r) : [r])),
});

function checkOne(topology: Topology, setup: HostSetup, fw: HostFirewall | null) {
  const files: Record<string, string> = { 'topology.json': JSON.stringify(topology) };
  for (const [f, text] of Object.entries(renderHostFiles(setup, fw)))
    files[`${setup.name}/${f}`] = text;
  const topo = parseTopology('topology.json', files['topology.json'] ?? '');
  return checkHosts(topo, hostInputs(files, posix));
}

const ROUTING_CLEAN = {
  host: 'esx-01',
  what: 'N2-N5: management to vCenter 172.16.0.10 leaves vmk0; vib-download to vCenter 172.16.0.10 leaves vmk0; replication to VRS 172.17.0.20 leaves vmk0; to-cloud to VR appliance 172.16.0.30 leaves vmk0',
};
const F1_CLEAN = {
  host: 'esx-01',
  what: 'F1: to-cloud TCP 10000-10010 out is allowed by Replication-to-CloudTraffic',
};
const F2_CLEAN = { host: 'esx-01', what: 'F2: replication TCP 31031, 44046 out is allowed by HBR' };
const F2_MESSAGE =
  'replication from esx-01 (vmk0 172.16.0.11) to VRS 172.17.0.20 is dropped by the firewall on TCP 31031, 44046: no enabled ruleset allows it';
const NO_RULESET_NOTE = 'no single ruleset change verified: add a ruleset allowing the ports';

describe('the check: firewall findings with a verified fix or a note', () => {
  test('the vib in place and every ruleset enabled: clean', () => {
    const r = checkOne(CHECK_TOPOLOGY, H, FW);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.clean).toEqual([ROUTING_CLEAN, F2_CLEAN, F1_CLEAN]);
  });

  test.each([
    [
      'HBR disabled: enabling it is the fix',
      changeRuleset('HBR', (r) => [{ ...r, enabled: false }]),
      ['esxcli network firewall ruleset set -r HBR -e true'],
      undefined,
    ],
    [
      'HBR missing: no ruleset to enable, a note',
      changeRuleset('HBR', () => []),
      [],
      NO_RULESET_NOTE,
    ],
    [
      'HBR disabled and allowing 31031 only: enabling it is not enough, a note',
      changeRuleset('HBR', (r) => [{ ...r, enabled: false, rules: r.rules.slice(0, 1) }]),
      [],
      NO_RULESET_NOTE,
    ],
  ])('F2, %s', (_what, fw, fix, note) => {
    const r = checkOne(CHECK_TOPOLOGY, H, fw);
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f?.invariant).toBe('F2');
    expect(f?.class).toBe('replication');
    expect(f?.message).toBe(F2_MESSAGE);
    expect(f?.flow).toEqual({
      port: 'TCP 31031, 44046',
      vmk: 'vmk0',
      source: '172.16.0.11',
      destination: 'VRS 172.17.0.20',
      netstack: 'defaultTcpipStack',
      egress: null,
      nextHop: null,
      verdict: 'dropped (default action DROP) on TCP 31031, 44046',
    });
    expect(f?.expected).toEqual({
      vmk: 'vmk0',
      nextHop: '172.16.0.1',
      verdict: 'allowed out on TCP 31031, 44046',
    });
    expect(f?.fix).toEqual(fix);
    expect(f?.note).toBe(note);
    expect(f !== undefined && 'note' in f).toBe(note !== undefined);
    expect(r.clean).toEqual([ROUTING_CLEAN, F1_CLEAN]);
  });

  test(`F1, ${TO_CLOUD_RULESET} disabled: the message says so and enabling it is the fix`, () => {
    const r = checkOne(
      CHECK_TOPOLOGY,
      H,
      changeRuleset(TO_CLOUD_RULESET, (x) => [{ ...x, enabled: false }]),
    );
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.invariant, f.class, f.message, f.fix])).toEqual([
      [
        'F1',
        'to-cloud',
        'to-cloud from esx-01 (vmk0 172.16.0.11) to VR appliance 172.16.0.30 is dropped by the firewall on TCP 10000, 10010: Replication-to-CloudTraffic is disabled',
        ['esxcli network firewall ruleset set -r Replication-to-CloudTraffic -e true'],
      ],
    ]);
    expect(r.findings[0]?.expected).toEqual({
      vmk: 'vmk0',
      nextHop: null,
      verdict: 'allowed out on TCP 10000-10010',
    });
    expect(r.clean).toEqual([ROUTING_CLEAN, F2_CLEAN]);
  });

  test('no ruleset list: the firewall is reported as not checked', () => {
    const r = checkOne(CHECK_TOPOLOGY, H, null);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.hosts).toEqual([{ name: 'esx-01', version: '6.7', firewall: false }]);
    expect(r.clean).toEqual([
      ROUTING_CLEAN,
      { host: 'esx-01', what: 'firewall not checked: no network-firewall-ruleset-list given' },
    ]);
  });

  test('a routing finding with no esxcli fix carries the advisor note', () => {
    const topology: Topology = {
      subnets: [
        { site: 'primary', network: '172.16.0.0/24', gateway: null, purpose: 'management' },
      ],
      hosts: [{ name: 'esx-01', site: 'primary' }],
      appliances: [{ role: 'vcenter', site: 'primary', ip: '10.0.0.10' }],
      replication: [],
    };
    const r = checkOne(topology, { ...H, netstacks: [] }, null);
    expect(r.errors).toEqual([]);
    const why = 'has no route (no route to 10.0.0.10 in defaultTcpipStack)';
    expect(r.findings.map((f) => [f.invariant, f.class, f.message, f.fix, f.note])).toEqual(
      ['management', 'vib-download'].map((c) => [
        'N2',
        c,
        `${c} from esx-01 (vmk0 172.16.0.11) to vCenter 10.0.0.10 ${why}; intended vmk0 directly`,
        [],
        'no single esxcli change verified: give the service a dedicated subnet and vmk',
      ]),
    );
    expect(r.findings[0]?.flow.verdict).toBe(why);
    expect(r.clean).toEqual([
      { host: 'esx-01', what: 'firewall not checked: no network-firewall-ruleset-list given' },
    ]);
  });

  test('a folder with one command in two formatters is an error naming both files', () => {
    const files: Record<string, string> = {
      'topology.json': JSON.stringify(CHECK_TOPOLOGY),
      'esx-01/system-version-get.txt': '   Version: 6.7.0\n',
      'esx-01/system-version-get.csv': 'Version,\n6.7.0,\n',
    };
    const r = checkHosts(
      parseTopology('topology.json', files['topology.json'] ?? ''),
      hostInputs(files, posix),
    );
    expect(r.errors).toEqual([
      'esx-01/system-version-get.txt:1: system-version-get given twice (also in esx-01/system-version-get.csv)',
    ]);
    expect(r.hosts).toEqual([]);
  });
});
