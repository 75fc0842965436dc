// The esxcli reader's error paths and rarer valid forms, one table row each: malformed command
// output, transcripts, host folders and topology.json raise one EsxcliParseError whose message
// is exactly `file[:line]: what was expected`; csv quoting, xml lists and empty fields,
// formatter options in transcripts, esxcfg-route's default line, ESXi 7/8, ICMP rules and the
// firewall findings' fixes and notes parse and judge to exact values. The "exact check, anchor
// and label" blocks were written against StrykerJS survivors: each input differs from a valid
// one exactly where a condition, a regex anchor, a `\d+` or a label matters (mutants no input
// can tell apart are listed in mutation/equivalent.json). disk.ts's checksum is pinned here too.
import { describe, expect, test } from 'vitest';
import { checksum } from '../model/disk.ts';
import { type CheckResult, checkHosts, exitCode, hostInputs } from '../model/esxcli/check.ts';
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
  VR2C_VIB,
} from '../model/firewall/firewall.ts';
import type { Topology } from '../model/network/intent.ts';
import { parseIp } from '../model/network/ipv4.ts';
import type { HostSetup } from '../model/network/types.ts';
import { CORRECT } from '../model/variants.ts';
import { renderCheck } from '../scripts/check-render.ts';
import { as80U2, baseFirewall, changed, ESX_X } from './esxcli/fixtures.ts';
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
    expect(parseTagGet(src('   Tags:'))).toEqual({ tags: [], other: [] });
    expect(parseTagGet(src(L('   Tags:', '')))).toEqual({ tags: [], other: [] });
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
      parseTagGet(src(tags('<string>Management</string> <string>VMotion</string>'), 'xml')).tags,
    ).toEqual(['Management', 'VMotion']);
    expect(parseTagGet(src(tags(''), 'xml')).tags).toEqual([]);
  });
});

const XML_HEAD = ['<?xml version="1.0" ?>', `<output xmlns="${ESXCLI_XMLNS}">`];
/** A vib list in xml: one structure per [name, version] pair, starting on line 4. */
const xmlVibs = (...vibs: [string, string][]) =>
  L(
    ...XML_HEAD,
    ' <list type="structure">',
    ...vibs.flatMap(([name, version]) => [
      '  <structure typeName="VIBSummary">',
      '   <field name="AcceptanceLevel"><string>VMwareCertified</string></field>',
      `   <field name="Name">${name}</field>`,
      '   <field name="Vendor"><string>VMware</string></field>',
      `   <field name="Version">${version}</field>`,
      '  </structure>',
    ]),
    ' </list>',
    '</output>',
  );
/** A tag get in xml whose Tags field holds `inner`, on line 4. */
const xmlTags = (inner: string) =>
  L(
    ...XML_HEAD,
    ' <structure typeName="TagList">',
    `  <field name="Tags">${inner}</field>`,
    ' </structure>',
    '</output>',
  );
const CSV_VIB_HEAD = 'AcceptanceLevel,Name,Vendor,Version,';
const csvVibs = (...rows: string[]) => parseVibList(src(L(CSV_VIB_HEAD, ...rows), 'csv', 'f.csv'));
const vib = (line: number, acceptance: string, version: string) => ({
  line,
  name: 'esx-base',
  version,
  vendor: 'VMware',
  acceptance,
});
const BAD_FIELD = 'expected <string>, <integer> or <boolean>, got';

describe('records: the exact check, anchor and label behind each message', () => {
  test('EsxcliParseError: its name, and its message on one line', () => {
    const e = new EsxcliParseError('f.txt', 2, 'a\r\nb\n\nc');
    expect(e.name).toBe('EsxcliParseError');
    expect(e.message).toBe('f.txt:2: a b c');
    expect(new EsxcliParseError('f.txt', 0, 'whole file').message).toBe('f.txt: whole file');
  });

  test.each([
    [
      'a quoted excerpt of 40 characters is shown whole',
      () => parseSystemVersion(src(L('   Version: 6.7.0', `   Update: ${'u'.repeat(40)}`))),
      `f.txt:1: Update: expected a number, got "${'u'.repeat(40)}"`,
    ],
    [
      'a quoted excerpt of 41 characters is cut to 40 and ...',
      () => parseSystemVersion(src(L('   Version: 6.7.0', `   Update: ${'u'.repeat(41)}`))),
      `f.txt:1: Update: expected a number, got "${'u'.repeat(40)}..."`,
    ],
    [
      'a prompt-like line after the first is output, not a prompt',
      () => parseSystemVersion(src(L('   Version: 6.7.0', '# esxcli system version get'))),
      'f.txt:2: expected "Key: value" or a record name, got "# esxcli system version get"',
    ],
    [
      'text: empty table output',
      () => parseRulesetList(src('')),
      'f.txt: empty output: expected a table header',
    ],
    [
      'text: a header without a row of dashes',
      () => parseRulesetList(src('Name  Enabled')),
      'f.txt:1: expected a row of dashes under the table header',
    ],
    ...['x----  -------', '----  -------x', '----  ---x---'].map(
      (dashes): [string, () => unknown, string] => [
        `text: the dash row ${JSON.stringify(dashes)}`,
        () => parseRulesetList(src(L('Name  Enabled', dashes, 'HBR   true'))),
        'f.txt:2: expected a row of dashes under the table header',
      ],
    ),
    [
      'text: a dash run with no column name above it (first)',
      () => parseRulesetList(src(L('      Enabled', '----  -------', 'HBR   true'))),
      'f.txt:1: no column name above dash run 1',
    ],
    [
      'text: a dash run with no column name above it (third)',
      () => parseRulesetList(src(L('Name  Enabled', '----  -------  ----', 'HBR   true     x'))),
      'f.txt:1: no column name above dash run 3',
    ],
    [
      'text: a row shorter than the dash widths and one token long',
      () => parseRulesetList(src(L('Name  Enabled', '----  -------', 'NFCtrue'))),
      'f.txt:3: expected 2 columns (Name Enabled), got 1',
    ],
    [
      'text: an empty cell under a column is a missing column',
      () =>
        parseRulesetList(
          src(L('Name  Comment  Enabled', '----  -------  -------', 'HBR            true')),
        ),
      'f.txt:3: expected 3 columns (Name Comment Enabled), got 2',
    ],
    [
      'text: a record with no fields at all',
      () => parseTagGet(src('vmk0')),
      'f.txt:1: expected a Tags field, have none',
    ],
    ...[
      ['vmk0 extra', 1],
      ['   -Name: vmk0', 2],
      ['   Enabled:true', 2],
    ].map(([line, no]): [string, () => unknown, string] => [
      `text: the line ${JSON.stringify(line)} in a vertical listing`,
      () =>
        parseInterfaceList(
          src(no === 1 ? L(String(line), '   Name: vmk0') : L('vmk0', String(line))),
        ),
      `f.txt:${no}: expected "Key: value" or a record name, got ${JSON.stringify(String(line).trim())}`,
    ]),
    [
      'csv: empty output',
      () => parseVibList(src('', 'csv', 'f.csv')),
      'f.csv: empty output: expected a csv header',
    ],
    [
      'csv: a quoted field without its closing quote',
      () => csvVibs('VMwareCertified,"esx-base,VMware,6.7.0,'),
      'f.csv:2: unterminated quoted csv field',
    ],
    [
      'csv: a line without the trailing comma',
      () => csvVibs('VMwareCertified,esx-base,VMware,6.7.0'),
      'f.csv:2: expected every csv line to end with a comma',
    ],
    [
      'csv: a row with a field too few',
      () => csvVibs('VMwareCertified,esx-base,VMware,'),
      'f.csv:2: expected 4 csv fields (AcceptanceLevel,Name,Vendor,Version), got 3',
    ],
    ...['AcceptanceLevel,Name,Vendor,Ver sion,', '_AcceptanceLevel,Name,', 'Name_,Vendor,'].map(
      (head): [string, () => unknown, string] => [
        `csv: the header ${head}`,
        () => parseVibList(src(L(head, 'a,b,'), 'csv', 'f.csv')),
        `f.csv:1: expected csv field names such as IPv4Address, got "${head}"`,
      ],
    ),
    [
      'xml: no <output> root',
      () => parseVibList(src(L('<?xml version="1.0" ?>', '<foo/>'), 'xml', 'f.xml')),
      `f.xml:1: expected esxcli xml output (<output xmlns="${ESXCLI_XMLNS}">)`,
    ],
    [
      'xml: another namespace',
      () =>
        parseVibList(
          src(
            L('<?xml version="1.0" ?>', '<output xmlns="http://example.com/">', '</output>'),
            'xml',
            'f.xml',
          ),
        ),
      `f.xml:2: expected the esxcli namespace ${ESXCLI_XMLNS}, got "http://example.com/"`,
    ],
    [
      'xml: no </output> at the end',
      () =>
        parseVibList(src(L(...XML_HEAD, ' <list type="structure">', ' </list>'), 'xml', 'f.xml')),
      'f.xml:4: expected </output> at the end',
    ],
    [
      'xml: no </output> at the end, in a transcript 10 lines down',
      () =>
        parseVibList({
          file: 't.txt',
          text: L(...XML_HEAD, ' <list type="structure">', ' </list>'),
          format: 'xml',
          offset: 10,
        }),
      't.txt:14: expected </output> at the end',
    ],
    [
      'xml: text after </output>',
      () => parseVibList(src(L(...XML_HEAD, '</output>', 'x'), 'xml', 'f.xml')),
      'f.xml:4: expected </output> at the end',
    ],
    [
      'xml: a bad value in the second field of the second structure',
      () =>
        parseVibList(
          src(
            xmlVibs(
              ['<string>esx-base</string>', '<string>6.7.0</string>'],
              ['<float>1.5</float>', '<string>6.7.0</string>'],
            ),
            'xml',
            'f.xml',
          ),
        ),
      `f.xml:12: field Name: ${BAD_FIELD} "<float>1.5</float>"`,
    ],
    ...[
      'x<string>a</string>',
      '<string>a</string>x',
      'x<list type="string"></list>',
      '<list type="string"></list>x',
    ].map((inner): [string, () => unknown, string] => [
      `xml: the field value ${inner}`,
      () => parseTagGet(src(xmlTags(inner), 'xml', 'f.xml')),
      `f.xml:4: field Tags: ${BAD_FIELD} ${JSON.stringify(inner)}`,
    ]),
    [
      'xml: a field whose name is not a field name, last in its structure',
      () =>
        parseVibList(
          src(
            L(
              ...XML_HEAD,
              ' <structure typeName="VIBSummary">',
              '  <field name="AcceptanceLevel"><string>VMwareCertified</string></field>',
              '  <field name="Name"><string>esx-base</string></field>',
              '  <field name="Version"><string>6.7.0</string></field>',
              '  <field name="Ven dor"><string>VMware</string></field>',
              ' </structure>',
              ' <structure typeName="VIBSummary">',
              '  <field name="AcceptanceLevel"><string>VMwareCertified</string></field>',
              '  <field name="Name"><string>esx-tools</string></field>',
              '  <field name="Vendor"><string>VMware</string></field>',
              '  <field name="Version"><string>6.7.0</string></field>',
              ' </structure>',
              '</output>',
            ),
            'xml',
            'f.xml',
          ),
        ),
      'f.xml:7: expected <field name="...">value</field>',
    ],
    [
      'xml: a structure without </structure>',
      () =>
        parseVibList(
          src(
            L(
              ...XML_HEAD,
              ' <list type="structure">',
              '  <structure typeName="VIBSummary">',
              '   <field name="Name"><string>esx-base</string></field>',
              '  </structure>',
              '  <structure typeName="VIBSummary">',
              '   <field name="Name"><string>esx-tools</string></field>',
              ' </list>',
              '</output>',
            ),
            'xml',
            'f.xml',
          ),
        ),
      'f.xml:7: expected </structure>',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  test.each([
    '[root@esx-01:~] esxcli system version get',
    '~ # esxcli system version get',
    '$ esxcli system version get',
  ])('a first line %j is the prompt, not output', (prompt) => {
    expect(parseSystemVersion(src(L(prompt, '   Version: 6.7.0'))).version).toBe('6.7');
  });

  test('text: columns one space apart and trailing spaces are read by the dash widths', () => {
    const text = L('Name     Enabled', '-------- -------  ', 'HBR-long true', 'NFC      false   ');
    expect(parseRulesetList(src(text))).toStrictEqual([
      { line: 3, id: 'HBR-long', enabled: true },
      { line: 4, id: 'NFC', enabled: false },
    ]);
  });

  test('text: an indented table, indented with spaces or tabs', () => {
    const text = L(
      '  Name     Enabled',
      '  -------- -------',
      '  HBR-long true',
      '\t\tNFC-long false',
    );
    expect(parseRulesetList(src(text))).toStrictEqual([
      { line: 3, id: 'HBR-long', enabled: true },
      { line: 4, id: 'NFC-long', enabled: false },
    ]);
  });

  test.each([
    [
      'a value running into the next column',
      L('Name  Enabled', '----  -------', 'HBR-long  true'),
      'HBR-long',
    ],
    [
      'an indented value running into the next column',
      L('  Name  Enabled', '  ----  -------', '  HBR-long  true'),
      'HBR-long',
    ],
    [
      'text left of the first column',
      L('  Name    Enabled', '  ----    -------', 'x HBR     true'),
      'x HBR',
    ],
  ])('text: %s: the columns are split at two or more spaces instead', (_what, text, id) => {
    expect(parseRulesetList(src(text))).toStrictEqual([{ line: 3, id, enabled: true }]);
  });

  const row = (line: number, name: string) => ({
    line,
    name,
    netstack: null,
    enabled: true,
    attach: { portgroup: null, dvs: null, dvport: null, mtu: 1500 },
  });
  test('text: blank-looking lines, titles with trailing spaces, values with spaces around', () => {
    expect(
      parseInterfaceList(src(L('vmk0   ', '   Name: vmk0', '   ', 'vmk1', '   Name:  vmk1  '))),
    ).toStrictEqual([row(1, 'vmk0'), row(4, 'vmk1')]);
    // The blank after the colon may even hold a lone carriage return.
    expect(parseInterfaceList(src(L('vmk0', '   Name: \rvmk0')))).toStrictEqual([row(1, 'vmk0')]);
  });

  test.each([
    ['every line at the left margin', L('vmk0', 'Name: vmk0', 'vmk1', 'Name: vmk1')],
    ['a tab before each title', L('\tvmk0', '   Name: vmk0', '\tvmk1', '   Name: vmk1')],
    ['titles indented like fields', L('   vmk0', '   Name: vmk0', '   vmk1', '   Name: vmk1')],
  ])('text: indentation lost or gained in a paste: %s', (_what, text) => {
    expect(parseInterfaceList(src(text)).map((r) => r.name)).toEqual(['vmk0', 'vmk1']);
  });

  test('text: Key: value lines at the left margin before any title', () => {
    expect(parseSystemVersion(src('Version: 6.7.0')).version).toBe('6.7');
    expect(parseSystemVersion(src(L('Version: 6.5.0', 'Update: 1'))).version).toBe('6.5U1');
  });

  test('csv: an empty first or last field, and trailing spaces after the last comma', () => {
    expect(
      csvVibs(
        ',esx-base,VMware,6.7.0,',
        'VMwareCertified,esx-base,VMware,,',
        'PartnerSupported,esx-base,VMware,6.7.0,  ',
      ),
    ).toStrictEqual([
      vib(2, '', '6.7.0'),
      vib(3, 'VMwareCertified', ''),
      vib(4, 'PartnerSupported', '6.7.0'),
    ]);
  });

  test('xml: entities, spaces in <output ...>, a list pretty-printed over lines', () => {
    const text = L(
      '<?xml version="1.0" ?>',
      `<output  xmlns="${ESXCLI_XMLNS}" >`,
      ' <structure typeName="VIBSummary">',
      '  <field name="AcceptanceLevel"><string>VMwareCertified</string></field>',
      '  <field name="Name"><string>&lt;esx&gt;-&quot;base&quot;</string></field>',
      '  <field name="Vendor"><string>VMware &apos;n&apos; co &amp;amp;</string></field>',
      '  <field name="Version"><string>6.7.0</string></field>',
      ' </structure>',
      '</output>',
    );
    expect(parseVibList(src(text, 'xml', 'f.xml'))).toStrictEqual([
      {
        line: 3,
        name: '<esx>-"base"',
        version: '6.7.0',
        vendor: "VMware 'n' co &amp;",
        acceptance: 'VMwareCertified',
      },
    ]);
    const tags = xmlTags(
      L(
        '',
        '   <list type="string">',
        '      <string>Management</string>',
        '      <string>VMotion</string>',
        '   </list>',
        '  ',
      ),
    );
    expect(parseTagGet(src(tags, 'xml', 'f.xml')).tags).toEqual(['Management', 'VMotion']);
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
      'f.txt:1: Version: ESXi 9.0.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)',
    ],
    [
      'version: ESXi 6.6',
      () => parseSystemVersion(src('   Version: 6.6')),
      'f.txt:1: Version: ESXi 6.6 is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)',
    ],
    [
      'version: ESXi 4.1',
      () => parseSystemVersion(src('Version,\n4.1.0,', 'csv', 'f.csv')),
      'f.csv:2: Version: ESXi 4.1.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  test('esxcfg-vmknic: a contiguous netmask parses', () => {
    expect(parseEsxcfgVmknic(src(vmknic('255.255.255.0')))).toEqual([
      {
        line: 2,
        name: 'vmk1',
        ip: parseIp('10.0.0.5'),
        len: 24,
        netstack: 'defaultTcpipStack',
        enabled: true,
      },
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

  // Only 6.5 Update 1 is 6.5U1 (seed 003; research-notes F); 6.7, 7.0 and 8.0 are themselves.
  test.each([
    ['7.0.3', '3', '7.0', '7.0 U3'],
    ['8.0.2', '1', '8.0', '8.0 U1'],
    ['8.0', '0', '8.0', '8.0'],
    ['6.7.0', '3', '6.7', '6.7 U3'],
    ['6.5.0', '1', '6.5U1', '6.5 U1'],
    ['6.5.0', '2', '6.5', '6.5 U2'],
    ['6.5.0', '3', '6.5', '6.5 U3'],
    ['6.5.0', '0', '6.5', '6.5'],
  ])(
    'version: ESXi %s Update %s is modelled as %s and shown as %s',
    (v, update, version, release) => {
      expect(parseSystemVersion(src(L(`   Version: ${v}`, `   Update: ${update}`)))).toEqual({
        version,
        release,
      });
    },
  );
});

// Inputs that differ from a valid one exactly where a check, an anchor or a label matters.
const IPV4_HEAD = ['Name      IPv4 Address  IPv4 Netmask', '--------  ------------  -------------'];
const ROUTE_HEAD = [
  'Network   Netmask   Gateway   Interface',
  '--------  --------  --------  ---------',
];
const RULE_HEAD = [
  'Ruleset  Direction  Protocol  Port Type  Port Begin  Port End',
  '-------  ---------  --------  ---------  ----------  --------',
];
const rules = (...rows: string[]) => src(L(...RULE_HEAD, ...rows));
const ESXCFG_ROUTE_HEAD = [
  'VMkernel Routes:',
  'Network          Netmask          Gateway          Interface',
];
const VMKNIC_HEAD =
  'Interface  Port Group          IP Family IP Address      Netmask         NetStack';
const vmknicRow = (
  name: string,
  family: string,
  ip: string,
  mask: string,
  ns = 'defaultTcpipStack',
) =>
  `${name.padEnd(11)}${'VMkernel'.padEnd(20)}${family.padEnd(10)}${ip.padEnd(16)}${mask.padEnd(16)}${ns}`;

describe('commands: the exact check, anchor and label behind each message', () => {
  test.each([
    [
      'ipv4 get: an address out of range',
      () => parseIpv4Get(src(L(...IPV4_HEAD, 'vmk1      10.0.0.300    255.255.255.0'))),
      'f.txt:3: IPv4 Address: expected a dotted IPv4 address, got "10.0.0.300"',
    ],
    [
      'ipv4 get: a non-contiguous netmask',
      () => parseIpv4Get(src(L(...IPV4_HEAD, 'vmk1      10.0.0.5      255.0.255.0'))),
      'f.txt:3: IPv4 Netmask: expected a contiguous netmask, got "255.0.255.0"',
    ],
    [
      'ipv4 get: no IPv4 Netmask column',
      () => parseIpv4Get(src(L('Name  IPv4 Address', '----  ------------', 'vmk1  10.0.0.5'))),
      'f.txt:3: expected a IPv4 Netmask field, have Name, IPv4Address',
    ],
    [
      'ipv4 get: a Gateway that is no address',
      () =>
        parseIpv4Get(
          src(
            L(
              'Name  IPv4 Address  IPv4 Netmask   Gateway',
              '----  ------------  -------------  -------',
              'vmk1  10.0.0.5      255.255.255.0  none',
            ),
          ),
        ),
      'f.txt:3: Gateway: expected a dotted IPv4 address, got "none"',
    ],
    ...['xvmk1', 'vmk1x', 'vmk12345', 'vmk'].map((name): [string, () => unknown, string] => [
      `ipv4 get: the vmk name ${name}`,
      () => parseIpv4Get(src(L(...IPV4_HEAD, `${name.padEnd(10)}10.0.0.5      255.255.255.0`))),
      `f.txt:3: expected a vmk name such as vmk0, got "${name}"`,
    ]),
    [
      'interface list: a record whose Name is not its title',
      () => parseInterfaceList(src(L('vmk0', '   Name: vmk1'))),
      'f.txt:1: record "vmk0" has Name "vmk1"',
    ],
    [
      'interface list: a netstack name with a space',
      () => parseInterfaceList(src(L('vmk0', '   Name: vmk0', '   Netstack Instance: my stack'))),
      'f.txt:1: expected a netstack name, got "my stack"',
    ],
    [
      'interface list: a netstack name of 65 characters',
      () =>
        parseInterfaceList(
          src(L('vmk0', '   Name: vmk0', `   Netstack Instance: ${'n'.repeat(65)}`)),
        ),
      `f.txt:1: expected a netstack name, got "${'n'.repeat(40)}..."`,
    ],
    [
      'route list: a default route with netmask 255.0.0.0',
      () => parseRouteList(src(L(...ROUTE_HEAD, 'default   255.0.0.0  10.0.0.1  vmk0'))),
      'f.txt:3: expected netmask 0.0.0.0 for the default route, got "255.0.0.0"',
    ],
    [
      'route list: a default route whose netmask is no address',
      () => parseRouteList(src(L(...ROUTE_HEAD, 'default   x         10.0.0.1  vmk0'))),
      'f.txt:3: expected netmask 0.0.0.0 for the default route, got "x"',
    ],
    [
      'route list: a non-contiguous netmask',
      () => parseRouteList(src(L(...ROUTE_HEAD, '10.0.0.0  255.0.255.0  0.0.0.0  vmk1'))),
      'f.txt:3: Netmask: expected a contiguous netmask, got "255.0.255.0"',
    ],
    [
      'route list: a network out of range',
      () => parseRouteList(src(L(...ROUTE_HEAD, '10.0.0.300  255.255.255.0  0.0.0.0  vmk1'))),
      'f.txt:3: Network: expected a dotted IPv4 address, got "10.0.0.300"',
    ],
    [
      'esxcfg-route: a route before the header',
      () => parseEsxcfgRoute(src(L('VMkernel Routes:', '10.0.0.0  255.0.0.0  Local Subnet  vmk1'))),
      'f.txt:2: expected the header "Network Netmask Gateway Interface", got "10.0.0.0  255.0.0.0  Local Subnet  vmk1"',
    ],
    ...[
      'The VMkernel default gateway is 10.0.0.1',
      'VMkernel default gateway is 10.0.0.1 x',
      'The Network  Netmask  Gateway  Interface',
      'Network Netmask Gateway Interface Flags',
    ].map((line): [string, () => unknown, string] => [
      `esxcfg-route: "${line}" is neither the gateway line nor the header`,
      () => parseEsxcfgRoute(src(line)),
      `f.txt:1: expected the header "Network Netmask Gateway Interface", got "${line}"`,
    ]),
    ...[
      ['x---', 1],
      ['---x', 1],
      ['10.0.0.0  255.255.255.0  vmk1', 3],
      ['10.0.0.0  255.255.255.0  10.0.0.1  vmk1  x', 5],
    ].map(([line, n]): [string, () => unknown, string] => [
      `esxcfg-route: the row "${line}"`,
      () => parseEsxcfgRoute(src(L(...ESXCFG_ROUTE_HEAD, String(line)))),
      `f.txt:3: expected 4 columns (Network Netmask Gateway Interface), got ${n}`,
    ]),
    [
      'esxcfg-vmknic: no IP Family column',
      () =>
        parseEsxcfgVmknic(
          src(
            L(
              'Interface  Port Group          IP Address      Netmask         NetStack',
              'vmk1       VMkernel            10.0.0.5        255.255.255.0   defaultTcpipStack',
            ),
          ),
        ),
      'f.txt:1: expected a column "IP Family" in the header',
    ],
    [
      'esxcfg-vmknic: an IP Family other than IPv4 and IPv6',
      () =>
        parseEsxcfgVmknic(src(L(VMKNIC_HEAD, vmknicRow('vmk1', 'IPv5', '10.0.0.5', '255.0.0.0')))),
      'f.txt:2: IP Family: expected IPv4 or IPv6, got "IPv5"',
    ],
    [
      'esxcfg-vmknic: an address out of range',
      () =>
        parseEsxcfgVmknic(
          src(L(VMKNIC_HEAD, vmknicRow('vmk1', 'IPv4', '10.0.0.300', '255.0.0.0'))),
        ),
      'f.txt:2: IP Address: expected a dotted IPv4 address, got "10.0.0.300"',
    ],
    [
      'esxcfg-vmknic: a non-contiguous netmask',
      () =>
        parseEsxcfgVmknic(
          src(L(VMKNIC_HEAD, vmknicRow('vmk1', 'IPv4', '10.0.0.5', '255.0.255.0'))),
        ),
      'f.txt:2: Netmask: expected a contiguous netmask, got "255.0.255.0"',
    ],
    [
      'tag get: empty output',
      () => parseTagGet(src('')),
      'f.txt: empty output: expected "   Tags: ..."',
    ],
    [
      'tag get: a tag that is no tag name',
      () => parseTagGet(src('   Tags: Management, Repli cation')),
      'f.txt:1: expected a tag name such as VMotion, got "Repli cation"',
    ],
    [
      'ruleset list: Enabled neither true nor false',
      () => parseRulesetList(src(L('Name  Enabled', '----  -------', 'HBR   yes'))),
      'f.txt:3: Enabled: expected true or false, got "yes"',
    ],
    [
      'rule list: a Port Begin with a letter before the digits',
      () => parseRuleList(rules('HBR      Outbound   TCP       Dst        x22         22')),
      'f.txt:3: Port Begin: expected a port from 0 to 65535, got "x22"',
    ],
    [
      'rule list: a Port End with a letter after the digits',
      () => parseRuleList(rules('HBR      Outbound   TCP       Dst        22          22x')),
      'f.txt:3: Port End: expected a port from 0 to 65535, got "22x"',
    ],
    [
      'rule list: a Port End above 65535',
      () => parseRuleList(rules('HBR      Outbound   TCP       Dst        22          65536')),
      'f.txt:3: Port End: expected a port from 0 to 65535, got "65536"',
    ],
    [
      'rule list: a Direction other than Inbound and Outbound',
      () => parseRuleList(rules('HBR      Sideways   TCP       Dst        22          22')),
      'f.txt:3: Direction: expected Inbound or Outbound, got "sideways"',
    ],
    [
      'rule list: a Protocol other than TCP, UDP and ICMP',
      () => parseRuleList(rules('HBR      Outbound   SCTP      Dst        22          22')),
      'f.txt:3: Protocol: expected TCP, UDP or ICMP, got "sctp"',
    ],
    [
      'rule list: a Port Type other than Dst and Src',
      () => parseRuleList(rules('HBR      Outbound   TCP       Both       22          22')),
      'f.txt:3: Port Type: expected Dst or Src, got "both"',
    ],
    [
      'rule list: no Port Type column',
      () =>
        parseRuleList(
          src(
            L(
              'Ruleset  Direction  Protocol  Port Begin  Port End',
              '-------  ---------  --------  ----------  --------',
              'HBR      Outbound   TCP            31031     31031',
            ),
          ),
        ),
      'f.txt:3: expected a Port Type field, have Ruleset, Direction, Protocol, PortBegin, PortEnd',
    ],
    [
      'rule list: no Port Begin column',
      () =>
        parseRuleList(
          src(
            L(
              'Ruleset  Direction  Protocol  Port Type  Port End',
              '-------  ---------  --------  ---------  --------',
              'HBR      Outbound   TCP       Dst           31031',
            ),
          ),
        ),
      'f.txt:3: expected a Port Begin field, have Ruleset, Direction, Protocol, PortType, PortEnd',
    ],
    [
      'rule list: no Port End column',
      () =>
        parseRuleList(
          src(
            L(
              'Ruleset  Direction  Protocol  Port Type  Port Begin',
              '-------  ---------  --------  ---------  ----------',
              'HBR      Outbound   TCP       Dst             31031',
            ),
          ),
        ),
      'f.txt:3: expected a Port End field, have Ruleset, Direction, Protocol, PortType, PortBegin',
    ],
    [
      'vib list: no Acceptance Level column',
      () =>
        parseVibList(
          src(
            L(
              'Name      Version  Vendor',
              '--------  -------  ------',
              'esx-base  6.7.0    VMware',
            ),
          ),
        ),
      'f.txt:3: expected a Acceptance Level field, have Name, Version, Vendor',
    ],
    [
      'version: empty output',
      () => parseSystemVersion(src('')),
      'f.txt: empty output: expected "   Version: 6.5.0"',
    ],
    ...['x6.7.0', '6.7.0x', '6.7.', 'v6'].map((v): [string, () => unknown, string] => [
      `version: ${v}`,
      () => parseSystemVersion(src(`   Version: ${v}`)),
      `f.txt:1: Version: expected a version such as 6.5.0, got "${v}"`,
    ]),
    [
      'version: ESXi 10.0.0 (a two-digit major)',
      () => parseSystemVersion(src('   Version: 10.0.0')),
      'f.txt:1: Version: ESXi 10.0.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)',
    ],
    [
      'version: an Update with a letter after the digits',
      () => parseSystemVersion(src(L('   Version: 6.7.0', '   Update: 1a'))),
      'f.txt:1: Update: expected a number, got "1a"',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  test('ipv4 get: multi-digit vmks; a Gateway column, 0.0.0.0 in it meaning none', () => {
    const text = L(
      'Name     IPv4 Address  IPv4 Netmask   Gateway',
      '-------  ------------  -------------  --------',
      'vmk12    10.0.0.5      255.255.255.0  0.0.0.0',
      'vmk1234  10.0.1.5      255.255.255.0  10.0.1.1',
    );
    expect(parseIpv4Get(src(text))).toStrictEqual([
      {
        line: 3,
        name: 'vmk12',
        ip: parseIp('10.0.0.5'),
        len: 24,
        gateway: null,
        hasGatewayColumn: true,
      },
      {
        line: 4,
        name: 'vmk1234',
        ip: parseIp('10.0.1.5'),
        len: 24,
        gateway: parseIp('10.0.1.1'),
        hasGatewayColumn: true,
      },
    ]);
  });

  test('interface list: no Netstack Instance line is netstack null (5.x)', () => {
    expect(parseInterfaceList(src(L('vmk0', '   Name: vmk0', '   Enabled: true')))).toStrictEqual([
      {
        line: 1,
        name: 'vmk0',
        netstack: null,
        enabled: true,
        attach: { portgroup: null, dvs: null, dvport: null, mtu: 1500 },
      },
    ]);
  });

  test('interface list: Enabled, the portgroup or distributed port, and the MTU', () => {
    const text = L(
      'vmk0',
      '   Name: vmk0',
      '   Enabled: false',
      '   Portgroup: Management Network',
      '   VDS Name: N/A',
      '   VDS Port: N/A',
      '   MTU: 9000',
      'vmk1',
      '   Name: vmk1',
      '   Portgroup: N/A',
      '   VDS Name: vDS',
      '   VDS Port: 16',
    );
    expect(parseInterfaceList(src(text)).map((r) => [r.enabled, r.attach])).toStrictEqual([
      [false, { portgroup: 'Management Network', dvs: null, dvport: null, mtu: 9000 }],
      [true, { portgroup: null, dvs: 'vDS', dvport: '16', mtu: 1500 }],
    ]);
  });

  test('esxcfg-route: indented lines, a row of dashes under the header', () => {
    const text = L(
      '  VMkernel default gateway is 10.0.0.1  ',
      ...ESXCFG_ROUTE_HEAD,
      '---------------  ---------------  ---------------  ---------',
      '10.0.0.0         255.255.255.0    Local Subnet     vmk1',
      '10.12.0.0        255.255.0.0      10.0.0.254       vmk1',
    );
    expect(parseEsxcfgRoute(src(text))).toStrictEqual([
      { line: 1, network: { addr: 0, len: 0 }, gateway: parseIp('10.0.0.1'), iface: 'vmk0' },
      { line: 5, network: { addr: parseIp('10.0.0.0'), len: 24 }, gateway: null, iface: 'vmk1' },
      {
        line: 6,
        network: { addr: parseIp('10.12.0.0'), len: 16 },
        gateway: parseIp('10.0.0.254'),
        iface: 'vmk1',
      },
    ]);
  });

  test('esxcfg-vmknic: IPv6 rows are skipped; no NetStack column (5.x) is netstack null', () => {
    const text = L(
      'Interface  Port Group          IP Family IP Address      Netmask',
      vmknicRow('vmk0', 'IPv4', '172.16.0.11', '255.255.255.0', ''),
      vmknicRow('vmk0', 'IPv6', 'fe80::1', '64', ''),
    );
    expect(parseEsxcfgVmknic(src(text))).toStrictEqual([
      { line: 2, name: 'vmk0', ip: parseIp('172.16.0.11'), len: 24, netstack: null, enabled: true },
    ]);
  });

  test('esxcfg-vmknic: columns are found by their header label, in any order', () => {
    const text = L(
      'IP Family  Interface  Netmask          IP Address       NetStack',
      'IPv4       vmk1       255.255.255.0    10.0.0.5         defaultTcpipStack',
    );
    expect(parseEsxcfgVmknic(src(text))).toStrictEqual([
      {
        line: 2,
        name: 'vmk1',
        ip: parseIp('10.0.0.5'),
        len: 24,
        netstack: 'defaultTcpipStack',
        enabled: true,
      },
    ]);
  });

  test('netstack list: Key before Name, Name before the title', () => {
    expect(
      parseNetstackList(src(L('vmotion', '   Key: vmotion', '   Name: vMotion-stack'))),
    ).toStrictEqual([{ line: 1, name: 'vmotion' }]);
    expect(parseNetstackList(src('   Name: replication'))).toStrictEqual([
      { line: 1, name: 'replication' },
    ]);
  });

  test('tag get: a tag given twice is one tag', () => {
    expect(parseTagGet(src('   Tags: Management, VMotion, Management')).tags).toEqual([
      'Management',
      'VMotion',
    ]);
  });

  test('tag get: tags the model does not know are kept apart, never an error', () => {
    expect(
      parseTagGet(src('   Tags: Management, vSphereBackupNFC, vsanWitness, nvmeTcp, vsanWitness')),
    ).toEqual({ tags: ['Management'], other: ['vSphereBackupNFC', 'vsanWitness', 'nvmeTcp'] });
  });

  test('rule list: UDP, Port Type Src and port 65535 are valid', () => {
    expect(
      parseRuleList(rules('dns      Outbound   UDP       Src        65535       65535')),
    ).toStrictEqual([
      {
        line: 3,
        ruleset: 'dns',
        rule: { direction: 'outbound', protocol: 'udp', portType: 'src', begin: 65535, end: 65535 },
      },
    ]);
  });

  test.each([
    ['6.7.10', '0', '6.7'],
    ['6.5.0', '10', '6.5'],
    ['8.0.10', '12', '8.0'],
  ])(
    'version: multi-digit parts, ESXi %s Update %s is modelled as %s',
    (version, update, modelled) => {
      expect(
        parseSystemVersion(src(L(`   Version: ${version}`, `   Update: ${update}`))).version,
      ).toBe(modelled);
    },
  );

  test('version: ESXi 7.10.0 is not modelled (there is no 7.1)', () => {
    expect(parseError(() => parseSystemVersion(src('   Version: 7.10.0')))).toBe(
      'f.txt:1: Version: ESXi 7.10.0 is not modelled (5.5, 6.0, 6.5, 6.7, 7.0, 8.0)',
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
    ['esxcfg-vmknic --list', 'esxcfg-vmknic-l', 'text'],
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
    ['esxcli network firewall ruleset rule list -r HBR', 'expected the full listing: drop -r'],
    [
      'esxcli network firewall ruleset rule list --ruleset-id=HBR',
      'expected the full listing: drop --ruleset-id',
    ],
    ['esxcli network ip interface ipv4 get -i vmk0', 'expected the full listing: drop -i'],
    ['esxcli network ip interface list -N vmotion', 'expected the full listing: drop -N'],
    ['esxcli network ip interface list -v', 'unsupported option "-v"'],
    ['esxcli network ip interface list --verbose=1', 'unsupported option "--verbose"'],
    [
      'esxcli network ip interface tag get',
      'expected -i vmkN: run tag get once per vmk (scripts/collect-esxcli.sh does)',
    ],
  ])('%s', (cmd, detail) => {
    expect(parseError(() => commandKey(cmd, 't.txt', 3))).toBe(`t.txt:3: ${detail}`);
  });

  test.each([
    ['esxcli-foo system version get', 'not an esxcli command'],
    ['clear', 'not an esxcli command'],
    ['esxcli storage core device list -d naa.1', 'the check does not read it'],
    ['esxcli network ip neighbor list', 'the check does not read it'],
    ['esxcfg-nics -l', 'the check does not read it'],
  ])('%s is skipped: %s', (cmd, skip) => {
    expect(commandKey(cmd, 't.txt', 3)).toEqual({ skip });
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
      't.txt: no esxcli commands the check reads found in the transcript',
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

const X = ESX_X;

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
  'network-firewall-ruleset-allowedip-list',
  'software-vib-list',
];

/** X's firewall as an 8.0U2 host lists it, vSphereClient open to one address and one prefix. */
const X_FW = changed(as80U2(baseFirewall(X)), [
  { type: 'RulesetAllowedAll', host: 'esx-x', ruleset: 'vSphereClient', allowedAll: false },
  { type: 'AllowedIpAdd', host: 'esx-x', ruleset: 'vSphereClient', address: '10.12.12.20' },
  { type: 'AllowedIpAdd', host: 'esx-x', ruleset: 'vSphereClient', address: '172.16.0.0/24' },
]);

describe('transcripts typed with --formatter=csv and --formatter=xml', () => {
  test.each(['csv', 'xml'] as const)('%s: every output is read in its formatter', (format) => {
    const outs = splitTranscript('t.txt', renderTranscript(X, X_FW, { format }));
    expect(outs.map((o) => o.key)).toEqual(X_KEYS);
    expect(new Set(outs.map((o) => o.format))).toEqual(new Set([format]));
    const p = assembleHost('esx-x', 't.txt', outs);
    expect(p.setup).toEqual(X);
    expect(p.allowedIps).toBe(true);
    expect(
      p.firewall?.rulesets.map((r) => [
        r.id,
        r.enabled,
        r.rules.length,
        r.allowedAll ? 'All' : r.allowedIps.join(', '),
        `${r.configurable?.enable}/${r.configurable?.allowedIp}`,
      ]),
    ).toEqual([
      ['HBR', true, 2, 'All', 'false/false'],
      ['NFC', true, 1, 'All', 'false/false'],
      ['vSphereClient', true, 2, '10.12.12.20, 172.16.0.0/24', 'true/true'],
      ['httpClient', false, 2, 'All', 'true/true'],
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
  `${P}esxcli network ip interface tag get -i vmk0`, // 16
  '   Tags: Management', // 17
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
  `${P}esxcli network firewall ruleset list`, // 18
  'Name        Enabled', // 19
  '----------  -------', // 20
  'HBR           false', // 21
  'icmpEcho       true', // 22
  `${P}esxcli network firewall ruleset rule list`, // 23
  'Ruleset     Direction  Protocol  Port Type  Port Begin  Port End', // 24
  '----------  ---------  --------  ---------  ----------  --------', // 25
  'HBR         Outbound   TCP       Dst             31031     31031', // 26
  'icmpEcho    Inbound    ICMP      N/A                 0         0', // 27
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
  `${P}esxcli network ip interface tag get -i vmk0`, // 13
  '   Tags: Management', // 14
];

/** What BASE's interface list gives vmk0: no portgroup, distributed port or MTU lines. */
const ATTACH = { portgroup: null, dvs: null, dvport: null, mtu: 1500 };
/** BASE's one vmk as the setup holds it. */
const VMK0 = { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'], attach: ATTACH };

describe('assembling a host: whole-host mistakes name the file and line', () => {
  test('the base transcript is a one-vmk host without a firewall', () => {
    const p = hostOf(BASE);
    expect(p.setup).toEqual({
      name: 'esx-01',
      version: '6.7',
      vmks: [{ name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'], attach: ATTACH }],
      netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
      routes: [],
    });
    expect(p.firewall).toBeNull();
    expect(p.read).toEqual([
      'system-version-get',
      'network-ip-interface-list',
      'network-ip-interface-ipv4-get',
      'network-ip-interface-tag-get-vmk0',
      'network-ip-route-ipv4-list',
    ]);
  });

  test.each([
    [
      'a command given twice',
      [...BASE, `${P}esxcli system version get`, '   Version: 6.7.0'],
      't.txt:19: system-version-get given twice (also in t.txt)',
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
      't.txt:19: tags for "vmk7", which is not a listed vmk',
    ],
    [
      'two default routes with different gateways',
      insert(16, 'default     0.0.0.0        172.16.0.254  vmk0'),
      't.txt:16: a second default route for defaultTcpipStack (via 172.16.0.254, beside the default gateway 172.16.0.1): a netstack has one default route',
    ],
    [
      'a static 0.0.0.0/0 beside the default gateway (one default slot per netstack)',
      insert(16, '0.0.0.0     0.0.0.0        172.16.0.254  vmk0'),
      't.txt:16: a second default route for defaultTcpipStack (via 172.16.0.254, beside the default gateway 172.16.0.1): a netstack has one default route',
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
      't.txt:22: a second default route for repl (via 10.0.0.2, beside the default gateway 10.0.0.1): a netstack has one default route',
    ],
    [
      'a ruleset listed twice',
      [...BASE, ...FIREWALL.slice(0, 4), 'HBR            true'],
      't.txt:22: ruleset HBR listed twice',
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
    // esxcfg-vmknic's Port Group column may hold a DVPort id: no attachment is taken from it.
    expect(p.setup).toEqual({
      name: 'esx-01',
      version: '6.7',
      vmks: [{ name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] }],
      netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
      routes: [],
    });
    expect(p.read).toEqual([
      'system-version-get',
      'network-ip-interface-ipv4-get',
      'esxcfg-vmknic-l',
      'network-ip-interface-tag-get-vmk0',
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
      allowedIps: [],
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

/** `lines` with `more` inserted before line `at` (1-based). */
const insertAt = (lines: readonly string[], at: number, ...more: string[]) => [
  ...lines.slice(0, at - 1),
  ...more,
  ...lines.slice(at - 1),
];
const VMKNIC_HEADER = col([
  'Interface',
  'Port Group',
  'IP Family',
  'IP Address',
  'Netmask',
  'NetStack',
]);
const vmknicLine = (name: string, ip: string) =>
  col([name, 'VMkernel', 'IPv4', ip, '255.255.255.0', 'defaultTcpipStack']);
const PROMPT_HINT = 'expected a prompt line such as "[root@esx-01:~] esxcli ...", got';

describe("the rulesets' allowed IPs (allowedip list) and 8.0U2's configurable columns", () => {
  test('allowedip list: the vCLI samples, All and a list of an address and a prefix', () => {
    // research-notes C7 (vCLI 6.7) and the vCLI 5.0 example, with real addresses.
    const text = L(
      'Ruleset    Allowed IP Addresses',
      '---------  --------------------',
      'sshServer  All',
      'HBR        192.168.10.10, 192.168.1.0/24',
    );
    expect(parseAllowedIpList(src(text))).toStrictEqual([
      { line: 3, ruleset: 'sshServer', allowedAll: true, ips: [], ipv6: [] },
      {
        line: 4,
        ruleset: 'HBR',
        allowedAll: false,
        ips: ['192.168.10.10', '192.168.1.0/24'],
        ipv6: [],
      },
    ]);
  });

  test('allowedip list: an empty list admits no address; IPv6 entries are kept apart', () => {
    const text = L(
      'Ruleset        Allowed IP Addresses',
      '-------------  --------------------',
      'vSphereClient',
      'NFC            fe80::/64, 10.12.12.20',
    );
    expect(parseAllowedIpList(src(text))).toStrictEqual([
      { line: 3, ruleset: 'vSphereClient', allowedAll: false, ips: [], ipv6: [] },
      { line: 4, ruleset: 'NFC', allowedAll: false, ips: ['10.12.12.20'], ipv6: ['fe80::/64'] },
    ]);
  });

  test('allowedip list in csv (a quoted list) and xml (a list of strings)', () => {
    const csv = L('AllowedIPAddresses,Ruleset,', '"10.0.0.1, 10.0.0.0/8",HBR,', 'All,NFC,');
    const xml = L(
      '<?xml version="1.0" ?>',
      `<output xmlns="${ESXCLI_XMLNS}">`,
      ' <list type="structure">',
      '  <structure typeName="RulesetAllowedIPs">',
      '   <field name="Ruleset"><string>HBR</string></field>',
      '   <field name="AllowedIPAddresses"><list type="string"><string>10.0.0.1</string><string>10.0.0.0/8</string></list></field>',
      '  </structure>',
      '  <structure typeName="RulesetAllowedIPs">',
      '   <field name="Ruleset"><string>NFC</string></field>',
      '   <field name="AllowedIPAddresses"><list type="string"><string>All</string></list></field>',
      '  </structure>',
      ' </list>',
      '</output>',
    );
    for (const [text, format] of [
      [csv, 'csv'],
      [xml, 'xml'],
    ] as const)
      expect(
        parseAllowedIpList(src(text, format)).map((r) => [r.ruleset, r.allowedAll, r.ips]),
      ).toEqual([
        ['HBR', false, ['10.0.0.1', '10.0.0.0/8']],
        ['NFC', true, []],
      ]);
  });

  test("ruleset list: 8.0U2's four columns, as the STIG known issue prints them", () => {
    // research-notes F: rows of the full 8.0U2 listing, verbatim.
    const text = L(
      'Name                         Enabled  Enable/Disable configurable  Allowed IP configurable',
      '---------------------------  -------  ---------------------------  -----------------------',
      'sshServer                       true                        false                     true',
      'vSphereClient                   true                         true                     true',
      'NFC                             true                        false                    false',
      'HBR                             true                        false                    false',
      'httpClient                     false                         true                     true',
    );
    expect(parseRulesetList(src(text))).toStrictEqual([
      { line: 3, id: 'sshServer', enabled: true, configurable: { enable: false, allowedIp: true } },
      {
        line: 4,
        id: 'vSphereClient',
        enabled: true,
        configurable: { enable: true, allowedIp: true },
      },
      { line: 5, id: 'NFC', enabled: true, configurable: { enable: false, allowedIp: false } },
      { line: 6, id: 'HBR', enabled: true, configurable: { enable: false, allowedIp: false } },
      {
        line: 7,
        id: 'httpClient',
        enabled: false,
        configurable: { enable: true, allowedIp: true },
      },
    ]);
    // csv and xml field names cannot hold the slash: read without it.
    const csv = L(
      'AllowedIPconfigurable,EnableDisableconfigurable,Enabled,Name,',
      'false,false,true,HBR,',
    );
    expect(parseRulesetList(src(csv, 'csv'))).toStrictEqual([
      { line: 2, id: 'HBR', enabled: true, configurable: { enable: false, allowedIp: false } },
    ]);
  });

  test.each([
    [
      'allowedip list: an entry that is not an address or prefix',
      () =>
        parseAllowedIpList(
          src(
            L(
              'Ruleset  Allowed IP Addresses',
              '-------  --------------------',
              'HBR      10.12.12.300',
            ),
          ),
        ),
      'f.txt:3: Allowed IP Addresses: expected All or addresses and prefixes such as 10.12.12.20, 10.12.12.0/24, got "10.12.12.300"',
    ],
    [
      'allowedip list: All beside addresses',
      () =>
        parseAllowedIpList(
          src(
            L(
              'Ruleset  Allowed IP Addresses',
              '-------  --------------------',
              'HBR      All, 10.0.0.1',
            ),
          ),
        ),
      'f.txt:3: Allowed IP Addresses: expected All or addresses and prefixes such as 10.12.12.20, 10.12.12.0/24, got "All"',
    ],
    [
      'allowedip list: a prefix longer than /32',
      () =>
        parseAllowedIpList(
          src(
            L(
              'Ruleset  Allowed IP Addresses',
              '-------  --------------------',
              'HBR      10.0.0.0/33',
            ),
          ),
        ),
      'f.txt:3: Allowed IP Addresses: expected All or addresses and prefixes such as 10.12.12.20, 10.12.12.0/24, got "10.0.0.0/33"',
    ],
    [
      'ruleset list: one of the two configurable columns only',
      () =>
        parseRulesetList(
          src(
            L(
              'Name  Enabled  Allowed IP configurable',
              '----  -------  -----------------------',
              'HBR      true                    false',
            ),
          ),
        ),
      'f.txt:3: expected both "Enable/Disable configurable" and "Allowed IP configurable" (ESXi 8.0U2) or neither, got only "Allowed IP configurable"',
    ],
    [
      'ruleset list: a configurable value that is not true or false',
      () =>
        parseRulesetList(
          src(
            L(
              'Name  Enabled  Enable/Disable configurable  Allowed IP configurable',
              '----  -------  ---------------------------  -----------------------',
              'HBR      true                        false                      yes',
            ),
          ),
        ),
      'f.txt:3: Allowed IP configurable: expected true or false, got "yes"',
    ],
  ])('%s', (_what, f, message) => {
    expect(parseError(f)).toBe(message);
  });

  const ALLOWED = (...rows: string[]) => [
    `${P}esxcli network firewall ruleset allowedip list`, // 28
    'Ruleset     Allowed IP Addresses', // 29
    '----------  --------------------', // 30
    ...rows,
  ];

  test('a host: each ruleset takes its allowed IPs; IPv6 entries are noted, not modelled', () => {
    const p = hostOf([
      ...BASE,
      ...FIREWALL,
      ...ALLOWED('HBR         10.12.12.20, fe80::1', 'icmpEcho    All'),
    ]);
    expect(p.allowedIps).toBe(true);
    expect(p.firewall?.rulesets.map((r) => [r.id, r.allowedAll, r.allowedIps])).toEqual([
      ['HBR', false, ['10.12.12.20']],
      ['icmpEcho', true, []],
    ]);
    expect(p.notes).toEqual(['HBR allows IPv6 fe80::1 too: kept out, the model is IPv4 only']);
  });

  test.each([
    [
      'a ruleset the ruleset list has not',
      ALLOWED('HBR         All', 'icmpEcho    All', 'NFC         All'),
      't.txt:33: ruleset "NFC" is not in network-firewall-ruleset-list',
    ],
    [
      'a ruleset twice',
      ALLOWED('HBR         All', 'HBR         All'),
      't.txt:32: ruleset HBR listed twice',
    ],
    [
      'a ruleset without its row',
      ALLOWED('HBR         All'),
      't.txt:28: ruleset icmpEcho (network-firewall-ruleset-list line 22) has no row: expected the full listing, one row per ruleset',
    ],
  ])('allowedip list: %s names the file and line', (_what, rows, message) => {
    expect(parseError(() => hostOf([...BASE, ...FIREWALL, ...rows]))).toBe(message);
  });

  test('no allowedip list: rulesets admit every address, and the check says allowed IPs were not checked', () => {
    const p = hostOf([...BASE, ...FIREWALL]);
    expect(p.allowedIps).toBe(false);
    expect(p.firewall?.rulesets.every((r) => r.allowedAll)).toBe(true);
    const files = {
      'topology.json': topologyText(CHECK_TOPOLOGY),
      'esx-01.txt': L(...BASE, ...FIREWALL),
    };
    const r = checkHosts(
      parseTopology('topology.json', files['topology.json']),
      hostInputs(files, posix, { hosts: ['esx-01'] }),
    );
    expect(r.notChecked).toEqual([
      {
        host: 'esx-01',
        what: 'allowed IPs (F1, F2): no network-firewall-ruleset-allowedip-list given, so every ruleset was taken to admit every address',
      },
    ]);
    expect(renderCheck(r)).toContain('esx-01 (ESXi 6.7): 2 broken flows of 4 checked');
  });
});

describe('host.ts: the exact check, anchor and label behind each result', () => {
  test.each([
    ['a b.txt', null],
    ['x.txt.bak', null],
    [
      'network-ip-route-ipv4-list-N-vmotion.xml',
      { key: 'network-ip-route-ipv4-list-N-vmotion', format: 'xml' },
    ],
  ])('commandOfFile(%j)', (name, expected) => {
    expect(commandOfFile(name)).toEqual(expected);
  });

  test('a command line with spaces around and between its words', () => {
    expect(commandKey('  esxcli  system   version get  ', 't.txt', 3)).toEqual({
      key: 'system-version-get',
      format: 'text',
    });
  });

  test.each(['[root@esx-01:~]', '  [root@esx-01:~]  ', '~  #', '  ~ #'])(
    'the bare prompt %j ends the output before it',
    (prompt) => {
      const text = L(`${P}esxcli system version get`, '   Version: 6.7.0', prompt, 'foo');
      expect(parseError(() => splitTranscript('t.txt', text))).toBe(
        `t.txt:4: ${PROMPT_HINT} "foo"`,
      );
    },
  );

  test('an output line ending in [...] is output, not a prompt', () => {
    const body = L('   Version: 6.7.0', '   Build: Releasebuild-8169922 [beta]');
    expect(splitTranscript('t.txt', L(`${P}esxcli system version get`, body))).toEqual([
      { key: 'system-version-get', format: 'text', file: 't.txt', text: body, offset: 1 },
    ]);
  });

  test('blank and space-only lines before the first prompt are skipped', () => {
    expect(
      splitTranscript('t.txt', L('', '   ', `${P}esxcli system version get`, '   Version: 6.7.0')),
    ).toEqual([
      {
        key: 'system-version-get',
        format: 'text',
        file: 't.txt',
        text: '   Version: 6.7.0',
        offset: 3,
      },
    ]);
  });

  test.each([
    ['text before the first prompt, trimmed in the message', L('  foo  ', ...BASE), '"foo"'],
  ])('%s', (_what, text, got) => {
    expect(parseError(() => splitTranscript('t.txt', text))).toBe(`t.txt:1: ${PROMPT_HINT} ${got}`);
  });

  const without = (...keys: string[]) =>
    splitTranscript('t.txt', L(...BASE)).filter((o) => !keys.includes(o.key));
  test.each([
    ['system-version-get', 't.txt: missing system-version-get (esxcli system version get)'],
    ['network-ip-interface-list', 't.txt: missing network-ip-interface-list (or esxcfg-vmknic-l)'],
    [
      'network-ip-interface-ipv4-get',
      't.txt: missing network-ip-interface-ipv4-get (or esxcfg-vmknic-l)',
    ],
    ['network-ip-route-ipv4-list', 't.txt: missing network-ip-route-ipv4-list (or esxcfg-route-l)'],
  ])('without %s', (key, message) => {
    expect(parseError(() => assembleHost('esx-01', 't.txt', without(key)))).toBe(message);
  });

  test('vmks are ordered by number: vmk1, vmk2, vmk10', () => {
    const stanza = (n: string) => [n, `   Name: ${n}`, '   Netstack Instance: defaultTcpipStack'];
    const p = hostOf([
      `${P}esxcli system version get`,
      '   Version: 6.7.0',
      `${P}esxcli network ip interface list`,
      ...stanza('vmk10'),
      ...stanza('vmk1'),
      ...stanza('vmk2'),
      `${P}esxcli network ip interface ipv4 get`,
      'Name   IPv4 Address  IPv4 Netmask',
      '-----  ------------  -------------',
      'vmk10  10.0.10.5     255.255.255.0',
      'vmk1   10.0.1.5      255.255.255.0',
      'vmk2   10.0.2.5      255.255.255.0',
      `${P}esxcli network ip route ipv4 list`,
      'Network   Netmask        Gateway  Interface',
      '--------  -------------  -------  ---------',
      '10.0.1.0  255.255.255.0  0.0.0.0  vmk1',
      ...['vmk10', 'vmk1', 'vmk2'].flatMap((n) => [
        `${P}esxcli network ip interface tag get -i ${n}`,
        '   Tags:',
      ]),
    ]);
    expect(p.setup.vmks).toEqual([
      { name: 'vmk1', address: '10.0.1.5/24', attach: ATTACH },
      { name: 'vmk2', address: '10.0.2.5/24', attach: ATTACH },
      { name: 'vmk10', address: '10.0.10.5/24', attach: ATTACH },
    ]);
  });

  test('with an interface list, esxcfg-vmknic does not add vmks', () => {
    const lines = [
      ...insert(11, 'vmk3  10.0.0.5      255.255.255.0'),
      `${P}esxcfg-vmknic -l`,
      VMKNIC_HEADER,
      vmknicLine('vmk0', '172.16.0.11'),
      vmknicLine('vmk3', '10.0.0.5'),
    ];
    expect(parseError(() => hostOf(lines))).toBe(
      't.txt:11: vmk3 is not in network-ip-interface-list',
    );
  });

  test('an unconfigured vmk (0.0.0.0) is left out of the setup', () => {
    const lines = insertAt(insert(11, 'vmk1  0.0.0.0       0.0.0.0'), 7, 'vmk1', '   Name: vmk1');
    const p = hostOf(lines);
    expect(p.setup.vmks).toEqual([VMK0]);
    expect(p.notes).toEqual(['vmk1 has no IPv4 address (0.0.0.0): left out']);
  });

  test('esxcfg-vmknic alone: a vmk listed twice keeps its first address', () => {
    const p = hostOf([
      `${P}esxcli system version get`,
      '   Version: 6.7.0',
      `${P}esxcfg-vmknic -l`,
      VMKNIC_HEADER,
      vmknicLine('vmk0', '172.16.0.11'),
      vmknicLine('vmk0', '172.16.0.12'),
      `${P}esxcfg-route`,
      'VMkernel default gateway is 172.16.0.1',
      `${P}esxcli network ip interface tag get -i vmk0`,
      '   Tags:',
    ]);
    expect(p.setup.vmks).toEqual([{ name: 'vmk0', address: '172.16.0.11/24' }]);
  });

  test('netstacks: defaultTcpipStack first, then the netstack list, then route list -N stacks', () => {
    const p = hostOf([
      ...insert(16, '10.12.12.0  255.255.255.0  172.16.0.1  vmk0'),
      `${P}esxcli network ip netstack list`,
      'vmotion',
      '   Key: vmotion',
      'defaultTcpipStack',
      '   Key: defaultTcpipStack',
      `${P}esxcli network ip route ipv4 list -N repl`,
      'Network    Netmask      Gateway   Interface',
      '---------  -----------  --------  ---------',
      'default    0.0.0.0      10.0.0.1  vmk0',
      '10.13.0.0  255.255.0.0  10.0.0.1  vmk0',
    ]);
    expect(p.setup.netstacks).toStrictEqual([
      { name: 'defaultTcpipStack', gateway: '172.16.0.1' },
      { name: 'vmotion' },
      { name: 'repl', gateway: '10.0.0.1' },
    ]);
    expect(p.setup.routes).toStrictEqual([
      { network: '10.12.12.0/24', gateway: '172.16.0.1' },
      { netstack: 'repl', network: '10.13.0.0/16', gateway: '10.0.0.1' },
    ]);
  });

  test(`a ruleset list without a rule list: no rules; ${TO_CLOUD_RULESET} belongs to the vib`, () => {
    const p = hostOf([
      ...BASE,
      `${P}esxcli network firewall ruleset list`,
      'Name                         Enabled',
      '---------------------------  -------',
      'HBR                          true',
      `${TO_CLOUD_RULESET}  false`,
    ]);
    expect(p.firewall?.rulesets.map((r) => [r.id, r.enabled, r.rules, r.vib])).toEqual([
      ['HBR', true, [], null],
      [TO_CLOUD_RULESET, false, [], VR2C_VIB],
    ]);
  });

  test('a rule for a ruleset the ruleset list has not', () => {
    const lines = [
      ...BASE,
      ...FIREWALL,
      'NFC         Outbound   TCP       Dst               902       902',
    ];
    expect(parseError(() => hostOf(lines))).toBe(
      't.txt:28: ruleset "NFC" is not in network-firewall-ruleset-list',
    );
  });

  test('only a key that is exactly a tag or a -N route output is read as one', () => {
    const out = (key: string, text: string): CommandOutput => ({
      key,
      format: 'text',
      file: 't.txt',
      text,
    });
    const tags = '   Tags: Management';
    const routes = L(
      'Network  Netmask  Gateway   Interface',
      '-------  -------  --------  ---------',
      'default  0.0.0.0  10.0.0.1  vmk0',
    );
    const p = assembleHost('esx-01', 't.txt', [
      ...splitTranscript('t.txt', L(...BASE)),
      out('x-network-ip-interface-tag-get-vmk0', tags),
      out('network-ip-interface-tag-get-vmk0\n', tags),
      out('x-network-ip-route-ipv4-list-N-repl', routes),
      out('network-ip-route-ipv4-list-N-repl\n', routes),
    ]);
    expect(p.setup.vmks).toEqual([VMK0]);
    expect(p.setup.netstacks).toEqual([{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }]);
    expect(p.read).toEqual([
      'system-version-get',
      'network-ip-interface-list',
      'network-ip-interface-ipv4-get',
      'network-ip-interface-tag-get-vmk0',
      'network-ip-route-ipv4-list',
    ]);
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

  test('sites are required: without them a misspelt site would check nothing', () => {
    const text = topoWith((t) => {
      delete t.sites;
    });
    expect(parseError(() => parseTopology('topology.json', text))).toBe(
      'topology.json: sites: missing: list the site names, such as ["primary", "dr"]',
    );
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

describe('topology.json: the exact check and path behind each message', () => {
  // JSON syntax errors give the line and column (a BOM and CRLF are what editors write).
  test.each([
    [
      'text cut short',
      '{"sites": ',
      'topology.json:1:11: not valid JSON: expected a value at the end',
    ],
    [
      'a trailing comma',
      L('{', '  "sites": ["a"],', '  "hosts": [],', '}'.padStart(1)).replace('[],', '[],,'),
      'topology.json:3:15: not valid JSON: expected a field name in double quotes, got ","',
    ],
    [
      'a comment',
      L('{', '  // the primary site', '  "sites": ["a"]', '}'),
      'topology.json:2:3: not valid JSON: comments are not JSON, got "// the primary site"',
    ],
    [
      'single quotes, on the second line of a CRLF file',
      '{\r\n  \'sites\': ["a"]\r\n}',
      'topology.json:2:3: not valid JSON: unexpected character, got "\'sites\'"',
    ],
    [
      'an empty file',
      '',
      'topology.json: empty: expected a JSON object with sites, subnets, hosts ...',
    ],
    [
      'a BOM and nothing else',
      '\uFEFF',
      'topology.json: empty: expected a JSON object with sites, subnets, hosts ...',
    ],
  ])('%s', (_what, text, message) => {
    expect(parseError(() => parseTopology('topology.json', text))).toBe(message);
  });

  test('a BOM and CRLF line ends are accepted', () => {
    const text = `\uFEFF${JSON.stringify(TOPOLOGY, null, 2).replace(/\n/g, '\r\n')}`;
    const { sites: _sites, ...rest } = TOPOLOGY;
    expect(parseTopology('topology.json', text)).toEqual(rest);
  });

  test.each([
    ['Primary', 'primary'],
    ['PRIMARY', 'primary'],
    ['primay', 'primary'],
    ['d', undefined],
    ['cloud', undefined],
  ])('a site %j is a near miss of %j', (site, near) => {
    const text = topoWith((t) => {
      t.hosts[0] = { ...t.hosts[0], site };
    });
    expect(parseError(() => parseTopology('topology.json', text))).toBe(
      `topology.json: hosts[0].site: unknown site ${JSON.stringify(site)}, expected one of primary, dr${near ? ` (did you mean "${near}"?)` : ''}`,
    );
  });

  test('an fvp pin with a multi-digit vmk', () => {
    const text = topoWith((t) => {
      t.fvp = { 'esx-01': 'vmk15' };
    });
    expect(parseTopology('topology.json', text).fvp).toEqual({ 'esx-01': 'vmk15' });
  });

  const drop =
    (key: string) =>
    (o: Record<string, unknown> | undefined): Record<string, unknown> => {
      const { [key]: _gone, ...rest } = o ?? {};
      return rest;
    };
  test.each([
    ['the top level is a string', '"x"', 'expected an object, got "x"'],
    [
      'a host that is a number',
      topoWith((t) => {
        t.hosts[0] = 5 as unknown as Json['hosts'][number];
      }),
      'hosts[0]: expected an object, got number',
    ],
    [
      'an unknown top-level field',
      JSON.stringify({ subnet: [] }),
      'unknown field "subnet", expected sites, subnets, hosts, appliances, replication, fvp, toCloud, comment, cloud',
    ],
    [
      'an unknown purpose',
      topoWith((t) => {
        t.subnets[0] = { ...t.subnets[0], purpose: 'repl' };
      }),
      'subnets[0].purpose: expected one of management, vmotion, replication, nfc, fvp, appliance, got "repl"',
    ],
    [
      'a subnet without a network',
      topoWith((t) => {
        t.subnets[0] = drop('network')(t.subnets[0]);
      }),
      'subnets[0].network: expected a non-empty string, got undefined',
    ],
    [
      'a subnet without a gateway',
      topoWith((t) => {
        t.subnets[1] = drop('gateway')(t.subnets[1]);
      }),
      'subnets[1].gateway: missing: give the gateway, or null for a non-routable VLAN',
    ],
    [
      'no hosts',
      topoWith((t) => {
        delete (t as Record<string, unknown>).hosts;
      }),
      'hosts: expected an array, got undefined',
    ],
    [
      'a host without a name',
      topoWith((t) => {
        t.hosts[0] = drop('name')(t.hosts[0]);
      }),
      'hosts[0].name: expected a non-empty string, got undefined',
    ],
    [
      'a host without a site',
      topoWith((t) => {
        t.hosts[0] = drop('site')(t.hosts[0]);
      }),
      'hosts[0].site: expected a non-empty string, got undefined',
    ],
    [
      'no appliances',
      topoWith((t) => {
        delete (t as Record<string, unknown>).appliances;
      }),
      'appliances: expected an array, got undefined',
    ],
    [
      'an appliance that is null',
      topoWith((t) => {
        t.appliances[0] = null as unknown as Json['appliances'][number];
      }),
      'appliances[0]: expected an object, got null',
    ],
    [
      'an unknown appliance role',
      topoWith((t) => {
        t.appliances[0] = { ...t.appliances[0], role: 'vc' };
      }),
      'appliances[0].role: expected one of vcenter, vrs, vr-appliance, got "vc"',
    ],
    [
      'no replication',
      topoWith((t) => {
        delete t.replication;
      }),
      'replication: expected an array, got undefined',
    ],
    [
      'a replication pair that is a string',
      topoWith((t) => {
        t.replication = ['primary'];
      }),
      'replication[0]: expected an object, got "primary"',
    ],
    [
      'replication from an undeclared site',
      topoWith((t) => {
        t.replication = [{ from: 'x', to: 'dr' }];
      }),
      'replication[0].from: unknown site "x", expected one of primary, dr',
    ],
    [
      'replication to an undeclared site',
      topoWith((t) => {
        t.replication = [{ from: 'primary', to: 'y' }];
      }),
      'replication[0].to: unknown site "y", expected one of primary, dr',
    ],
    [
      'an fvp pin for a host not listed',
      topoWith((t) => {
        t.fvp = { 'esx-09': 'vmk5' };
      }),
      'fvp: unknown field "esx-09", expected esx-01',
    ],
    [
      'an fvp pin that is a number',
      topoWith((t) => {
        t.fvp = { 'esx-01': 5 };
      }),
      'fvp.esx-01: expected a non-empty string, got number',
    ],
    ...['xvmk5', 'vmk5x', 'vmk'].map((vmk): [string, string, string] => [
      `the fvp pin ${vmk}`,
      topoWith((t) => {
        t.fvp = { 'esx-01': vmk };
      }),
      `fvp.esx-01: expected a vmk name such as vmk5, got "${vmk}"`,
    ]),
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
const sitesOf = (t: Topology) => [
  ...new Set([...t.hosts.map((h) => h.site), ...t.subnets.map((x) => x.site)]),
];
const topologyText = (t: Topology) => JSON.stringify({ sites: sitesOf(t), ...t });

function checkMany(topology: Topology, hosts: readonly [HostSetup, HostFirewall | null][]) {
  const files: Record<string, string> = { 'topology.json': topologyText(topology) };
  for (const [setup, fw] of hosts)
    for (const [f, text] of Object.entries(renderHostFiles(setup, fw)))
      files[`${setup.name}/${f}`] = text;
  const topo = parseTopology('topology.json', files['topology.json'] ?? '');
  return checkHosts(topo, hostInputs(files, posix, { hosts: topo.hosts.map((h) => h.name) }));
}
const checkOne = (topology: Topology, setup: HostSetup, fw: HostFirewall | null) =>
  checkMany(topology, [[setup, fw]]);

/** The checked list in one line per flow: verdict, class, flow, what it covered. */
const checkedLines = (r: CheckResult, host = 'esx-01') =>
  r.checked
    .filter((c) => c.host === host)
    .map((c) => `${c.verdict} ${c.class} ${c.flow} [${c.covered.join(', ')}]`);
const ALL_OK = [
  'ok management vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 443, 902) [N2, N3, N5]',
  'ok vib-download vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 80) [N2, N3, N5]',
  'ok replication vmk0 172.16.0.11 -> VRS 172.17.0.20 (TCP 31031, 44046) [N2, N3, N5, N8, F2]',
  'ok to-cloud vmk0 172.16.0.11 -> VR appliance 172.16.0.30 (TCP 10000-10010) [N2, N3, N5, F1]',
];
const F2_DROPPED =
  'replication from esx-01 (vmk0 172.16.0.11) to VRS 172.17.0.20 is dropped: the firewall of esx-01 drops TCP 31031, 44046 out to 172.17.0.20';
const NO_RULESET_NOTE =
  'TCP 31031, 44046 out to 172.17.0.20: no change to the rulesets lets them through; add a ruleset allowing them';

describe('the check: firewall findings with a verified fix or a note', () => {
  test('the vib in place and every ruleset enabled: clean, with every flow listed as checked', () => {
    const r = checkOne(CHECK_TOPOLOGY, H, FW);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(exitCode(r)).toBe(0);
    expect(checkedLines(r)).toEqual(ALL_OK);
    expect(r.notChecked).toEqual([]);
  });

  test.each([
    [
      'HBR disabled: enabling it is the fix',
      changeRuleset('HBR', (r) => [{ ...r, enabled: false }]),
      'HBR is disabled',
      ['esxcli network firewall ruleset set -r HBR -e true'],
      undefined,
    ],
    [
      'HBR restricted to the management network: adding the VR server is the fix',
      changeRuleset('HBR', (r) => [{ ...r, allowedAll: false, allowedIps: ['172.16.0.0/24'] }]),
      'HBR admits only 172.16.0.0/24, not 172.17.0.20',
      ['esxcli network firewall ruleset allowedip add -r HBR -i 172.17.0.20'],
      undefined,
    ],
    [
      'HBR disabled and restricted: both commands',
      changeRuleset('HBR', (r) => [
        { ...r, enabled: false, allowedAll: false, allowedIps: ['172.16.0.0/24'] },
      ]),
      'HBR is disabled',
      [
        'esxcli network firewall ruleset set -r HBR -e true',
        'esxcli network firewall ruleset allowedip add -r HBR -i 172.17.0.20',
      ],
      undefined,
    ],
    [
      'HBR missing: no ruleset to enable, a note',
      changeRuleset('HBR', () => []),
      'no ruleset has a rule for them',
      [],
      NO_RULESET_NOTE,
    ],
    [
      'HBR disabled and allowing 31031 only: enabling it is not enough, a note',
      changeRuleset('HBR', (r) => [{ ...r, enabled: false, rules: r.rules.slice(0, 1) }]),
      'TCP 31031 out to 172.17.0.20: HBR is disabled; TCP 44046 out to 172.17.0.20: no ruleset has a rule for it',
      [],
      NO_RULESET_NOTE,
    ],
    [
      "HBR restricted on a host that lists its allowed IPs as not configurable (8.0U2): the host's refusal in the note",
      changeRuleset('HBR', (r) => [
        {
          ...r,
          allowedAll: false,
          allowedIps: ['172.16.0.0/24'],
          configurable: { enable: false, allowedIp: false },
        },
      ]),
      'HBR admits only 172.16.0.0/24, not 172.17.0.20',
      [],
      'TCP 31031, 44046 out to 172.17.0.20: no change to the rulesets lets them through (the host refuses: esx-01: HBR: Invalid operation requested: Can not change allowed ip list this ruleset, it is owned by system service.); add a ruleset allowing them',
    ],
  ])('F2, %s', (_what, fw, why, fix, note) => {
    const r = checkOne(CHECK_TOPOLOGY, H, fw);
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f?.invariants).toEqual(['F2']);
    expect(f?.class).toBe('replication');
    expect(f?.message).toBe(`${F2_DROPPED}: ${why} [F2]`);
    expect(f?.dropped).toEqual({
      direction: 'outbound',
      protocol: 'tcp',
      remote: '172.17.0.20',
      ports: [31031, 44046],
    });
    expect(f?.flow).toEqual({
      port: 'TCP 31031, 44046',
      vmk: 'vmk0',
      source: '172.16.0.11',
      destination: 'VRS 172.17.0.20',
      netstack: 'defaultTcpipStack',
      egress: 'vmk0',
      nextHop: '172.16.0.1',
      verdict: 'leaves vmk0 via 172.16.0.1; the firewall drops TCP 31031, 44046 out to 172.17.0.20',
    });
    expect(f?.expected).toEqual({
      vmk: 'vmk0',
      nextHop: '172.16.0.1',
      verdict: 'leaves vmk0 via 172.16.0.1 and passes the firewall',
      because:
        "replication has no vmk of its own, so it uses management's: vmk0 is in the management subnet 172.16.0.0/24",
    });
    expect(f?.fix).toEqual(fix);
    expect(f?.note).toBe(note);
    expect(f !== undefined && 'note' in f).toBe(note !== undefined);
    expect(checkedLines(r)).toEqual(
      ALL_OK.map((l) => (l.startsWith('ok replication') ? l.replace(/^ok/, 'broken') : l)),
    );
  });

  test(`F1, ${TO_CLOUD_RULESET} disabled: the message says so and enabling it is the fix`, () => {
    const r = checkOne(
      CHECK_TOPOLOGY,
      H,
      changeRuleset(TO_CLOUD_RULESET, (x) => [{ ...x, enabled: false }]),
    );
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.invariants, f.class, f.message, f.fix])).toEqual([
      [
        ['F1'],
        'to-cloud',
        'to-cloud from esx-01 (vmk0 172.16.0.11) to VR appliance 172.16.0.30 is dropped: the firewall of esx-01 drops TCP 10000-10010 out to 172.16.0.30: Replication-to-CloudTraffic is disabled [F1]',
        ['esxcli network firewall ruleset set -r Replication-to-CloudTraffic -e true'],
      ],
    ]);
    expect(r.findings[0]?.expected.verdict).toBe('leaves vmk0 directly and passes the firewall');
  });

  test('no ruleset list: the firewall is listed as not checked, and not covered by any verdict', () => {
    const r = checkOne(CHECK_TOPOLOGY, H, null);
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.hosts).toEqual([{ name: 'esx-01', version: '6.7', release: '6.7', firewall: false }]);
    expect(checkedLines(r)).toEqual(ALL_OK.map((l) => l.replace(/, F[12]\]$/, ']')));
    expect(r.notChecked).toEqual([
      { host: 'esx-01', what: 'firewall (F1, F2): no network-firewall-ruleset-list given' },
    ]);
  });

  test('a routing finding with no esxcli fix carries the advisor note', () => {
    // vCenter sits on no subnet of the host and the management subnet has no gateway.
    const topology: Topology = {
      subnets: [
        { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
      ],
      hosts: [{ name: 'esx-01', site: 'primary' }],
      appliances: [{ role: 'vcenter', site: 'primary', ip: '10.0.0.10' }],
      replication: [],
    };
    const r = checkOne(topology, { ...H, netstacks: [] }, null);
    expect(r.errors).toEqual([]);
    const why = 'no route in defaultTcpipStack matches 10.0.0.10';
    expect(r.findings.map((f) => [f.invariants, f.class, f.message, f.fix])).toEqual(
      ['management', 'vib-download'].map((c) => [
        ['N2'],
        c,
        `${c} from esx-01 (vmk0 172.16.0.11) to vCenter 10.0.0.10 has no route, not vmk0 via the management gateway 172.16.0.1: ${why} [N2]`,
        ['esxcli network ip route ipv4 add --gateway 172.16.0.1 --network 10.0.0.10/32'],
      ]),
    );
    expect(r.findings[0]?.flow.verdict).toBe(
      'has no route (no route to 10.0.0.10 in defaultTcpipStack)',
    );
  });

  test('a flow broken in its routing (no fix) and its firewall (a fix): no fix printed, the firewall part in the note', () => {
    // NFC is meant for vmk3 (tagged), but vmk2 was created first in the same subnet and sends
    // its replies: no esxcli command changes that. And vSphereClient, which lets NFC in from the
    // VR server (research-notes A1), admits only the management network.
    const topology: Topology = {
      subnets: [
        { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
        { site: 'primary', network: '10.0.5.0/24', gateway: '10.0.5.1', purpose: 'nfc' },
      ],
      hosts: [{ name: 'esx-01', site: 'primary' }],
      appliances: [
        { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
        { role: 'vrs', site: 'primary', ip: '10.0.5.20' },
      ],
      replication: [{ from: 'primary', to: 'primary' }],
    };
    const setup: HostSetup = {
      ...H,
      vmks: [
        { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
        { name: 'vmk2', address: '10.0.5.10/24' },
        { name: 'vmk3', address: '10.0.5.11/24', tags: ['vSphereReplicationNFC'] },
      ],
    };
    const r = checkOne(
      topology,
      setup,
      changeRuleset('vSphereClient', (x) => [
        { ...x, allowedAll: false, allowedIps: ['172.16.0.0/24'] },
      ]),
    );
    const nfc = r.findings.find((f) => f.class === 'nfc');
    expect(nfc?.invariants).toEqual(['N2', 'N4', 'F2']);
    expect(nfc?.fix).toEqual([]);
    expect(nfc?.note).toBe(
      'vmk2 sends for 10.0.5.0/24 because it was created first (KB 2010877), and no esxcli command changes that: give nfc a subnet of its own with one vmk per host, or use vmk2 for it (seed 004); for the firewall alone: esxcli network firewall ruleset allowedip add -r vSphereClient -i 10.0.5.20',
    );
  });

  test('a folder with one command in two formatters is an error naming both files', () => {
    const files: Record<string, string> = {
      'topology.json': topologyText(CHECK_TOPOLOGY),
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

describe('the check: which files are hosts, and whose findings a flow is judged by', () => {
  test('hostInputs: transcripts, folders of outputs, and notes on everything else, sorted by host', () => {
    const version = L(`${P}esxcli system version get`, '   Version: 6.7.0');
    const files: Record<string, string> = {
      'topology.json': '{}',
      'notes.md': version,
      'README.txt': 'how we collected these',
      'esx-01.txt': 'hello',
      'esx-02.txt': version,
      'esx-03/system-version-get.txt': '   Version: 6.7.0\n',
      'esx-03/README.md': version,
      'esx-03/storage-core-device-list.txt': 'a large listing',
      'esx-04/system-version-get.txt/old.txt': '   Version: 6.7.0\n',
    };
    expect(hostInputs(files, posix, { hosts: ['esx-01', 'esx-02', 'esx-03'] })).toEqual({
      inputs: [
        {
          name: 'esx-01',
          where: 'esx-01.txt',
          outputs: [],
          error: `esx-01.txt:1: ${PROMPT_HINT} "hello"`,
        },
        {
          name: 'esx-02',
          where: 'esx-02.txt',
          outputs: [
            {
              key: 'system-version-get',
              format: 'text',
              file: 'esx-02.txt',
              text: '   Version: 6.7.0',
              offset: 1,
            },
          ],
        },
        {
          name: 'esx-03',
          where: 'esx-03',
          outputs: [
            {
              key: 'system-version-get',
              format: 'text',
              file: 'esx-03/system-version-get.txt',
              text: '   Version: 6.7.0\n',
            },
          ],
        },
      ],
      notes: [
        'README.txt: ignored (not a host folder or a transcript)',
        'esx-03/README.md: ignored (not a command output)',
        "esx-03/storage-core-device-list.txt: ignored (no check reads this command's output)",
        'esx-04/system-version-get.txt/old.txt: ignored (too deep: one folder per host)',
        'notes.md: ignored (not a host folder or a transcript)',
      ],
      errors: [],
    });
  });

  test(`F1, ${TO_CLOUD_RULESET} enabled but without rules and no vib: a note, not the vib install`, () => {
    const fw: HostFirewall = {
      ...changeRuleset(TO_CLOUD_RULESET, (r) => [{ ...r, rules: [] }]),
      vibs: FW.vibs.filter((v) => v.name !== VR2C_VIB),
    };
    const r = checkOne(CHECK_TOPOLOGY, H, fw);
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.invariants, f.class, f.fix, f.note])).toEqual([
      [
        ['F1'],
        'to-cloud',
        [],
        'TCP 10000-10010 out to 172.16.0.30: no change to the rulesets lets them through; add a ruleset allowing them',
      ],
    ]);
  });

  test("another host's finding does not make this host's flow broken", () => {
    const h2: HostSetup = {
      ...H,
      name: 'esx-02',
      vmks: [{ name: 'vmk0', address: '172.16.0.12/24', tags: ['Management'] }],
    };
    const topology: Topology = {
      ...CHECK_TOPOLOGY,
      hosts: [...CHECK_TOPOLOGY.hosts, { name: 'esx-02', site: 'primary' }],
    };
    const r = checkMany(topology, [
      [H, changeRuleset('HBR', (x) => [{ ...x, enabled: false }])],
      [h2, FW],
    ]);
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.host, f.invariants, f.class])).toEqual([
      ['esx-01', ['F2'], 'replication'],
    ]);
    expect(checkedLines(r, 'esx-02')).toEqual(ALL_OK.map((l) => l.replace('.11', '.12')));
  });

  test('a finding for one destination does not make the same class to another broken', () => {
    // Replication to the dr VRS has a static route; to the dr2 VRS there is none.
    const topology: Topology = {
      subnets: [
        { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
        { site: 'dr', network: '172.17.0.0/24', gateway: '172.17.0.1', purpose: 'management' },
        { site: 'dr2', network: '172.18.0.0/24', gateway: '172.18.0.1', purpose: 'management' },
      ],
      hosts: [{ name: 'esx-01', site: 'primary' }],
      appliances: [
        { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
        { role: 'vrs', site: 'dr', ip: '172.17.0.20' },
        { role: 'vrs', site: 'dr2', ip: '172.18.0.20' },
      ],
      replication: [
        { from: 'primary', to: 'dr' },
        { from: 'primary', to: 'dr2' },
      ],
    };
    const setup: HostSetup = {
      ...H,
      netstacks: [{ name: 'defaultTcpipStack' }],
      routes: [{ network: '172.17.0.0/24', gateway: '172.16.0.1' }],
    };
    const r = checkOne(topology, setup, null);
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.invariants, f.class, f.flow.destination])).toEqual([
      [['N2'], 'replication', 'VRS 172.18.0.20'],
    ]);
    expect(checkedLines(r)).toEqual([
      'ok management vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 443, 902) [N2, N3, N5]',
      'ok vib-download vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 80) [N2, N3, N5]',
      'ok replication vmk0 172.16.0.11 -> VRS 172.17.0.20 (TCP 31031, 44046) [N2, N3, N5, N8]',
      'broken replication vmk0 172.16.0.11 -> VRS 172.18.0.20 (TCP 31031, 44046) [N2, N3, N5, N8]',
    ]);
  });

  test('a finding for one class does not make another class to the same destination broken', () => {
    // NFC is pinned to vmk3 (tagged) but leaves vmk0; replication to the same VRS is fine.
    const topology: Topology = {
      subnets: [
        { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
        { site: 'primary', network: '10.0.5.0/24', gateway: '10.0.5.1', purpose: 'nfc' },
      ],
      hosts: [{ name: 'esx-01', site: 'primary' }],
      appliances: [
        { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
        { role: 'vrs', site: 'primary', ip: '172.16.0.20' },
      ],
      replication: [{ from: 'primary', to: 'primary' }],
    };
    const setup: HostSetup = {
      ...H,
      vmks: [
        { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
        { name: 'vmk3', address: '10.0.5.11/24', tags: ['vSphereReplicationNFC'] },
      ],
    };
    const r = checkOne(topology, setup, null);
    expect(r.errors).toEqual([]);
    // One finding for the one broken flow, listing both invariants it breaks.
    expect(r.findings.map((f) => [f.invariants, f.class, f.flow.destination])).toEqual([
      [['N2', 'N4'], 'nfc', 'VRS 172.16.0.20'],
    ]);
    expect(checkedLines(r).filter((l) => l.includes('VRS'))).toEqual([
      'ok replication vmk0 172.16.0.11 -> VRS 172.16.0.20 (TCP 31031, 44046) [N2, N3, N5, N8]',
      'broken nfc VRS 172.16.0.20 -> vmk3 10.0.5.11 (TCP 902) [N2, N3, N4, N5, N8]',
    ]);
  });
});

// ---- disk.ts ----

describe('disk: the block checksum is FNV-1a over the token as 8 little-endian bytes', () => {
  // Reference values from an independent FNV-1a (offset basis 0x811c9dc5, prime 0x01000193).
  test.each([
    [0, 2615243109],
    [1, 1048580676],
    [0x0102030405, 3430171148],
    [Number.MAX_SAFE_INTEGER, 224351728],
  ])('checksum(%d) is %d', (token, sum) => {
    expect(checksum(token)).toBe(sum);
  });
});
