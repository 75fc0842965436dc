import { describe, expect, test } from 'vitest';
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
  rulesetList,
  vibList,
} from '../model/firewall/firewall.ts';
import { CORRECT, type EsxiVersion, variantByName } from '../model/variants.ts';
import { FIXTURES } from './scenarios.ts';
import { propertySuite } from './suite.ts';

describe('firewall: the correct model', () => propertySuite('firewall'));

describe('every fixture is judged as its source says', () => {
  test.each(FIXTURES.map((f) => [f.name, f.expected, f] as const))(
    '%s is %s',
    (_n, expected, f) => {
      const v = f.judge(CORRECT);
      expect(v.verdict, v.flow ?? 'no finding').toBe(expected);
    },
  );
});

describe('verdicts explain themselves', () => {
  const world = (version: EsxiVersion): FirewallWorld => ({
    now: 0,
    hosts: { h: initFirewall('h', version, CORRECT) },
  });

  const VRS = '10.12.12.10';
  const pkt = (
    direction: 'inbound' | 'outbound',
    port: number,
    remote = VRS,
    protocol: 'tcp' | 'udp' = 'tcp',
  ) => ({ direction, protocol, port, remote });

  test('an allowed packet names its ruleset and rule; a dropped one says default-drop', () => {
    const fw = initFirewall('esx-01', '6.7', CORRECT);
    const hbr = decide(fw, pkt('outbound', 44046), CORRECT);
    expect([hbr.action, hbr.ruleset, hbr.rule]).toEqual(['allow', 'HBR', 'outbound tcp dst 44046']);
    const cloud = decide(fw, pkt('outbound', 10005), CORRECT);
    expect([cloud.action, cloud.ruleset]).toEqual(['drop', 'default-drop']);
  });

  test('the esxupdate.log line is the one seed 003 prints: an en dash and typographic quotes', () => {
    expect(CURL56).toBe('[Errno 14] curl#56 \u2013 \u201cContent-Length: in 200 response\u201d');
    expect([...CURL56].filter((c) => c.charCodeAt(0) > 127)).toEqual(['–', '“', '”']);
  });

  test('on 6.5U1 the appliance push logs curl#56 and adds nothing; the manual install works', () => {
    let w = firewallStep(world('6.5U1'), { type: 'ApplianceBoot' }, CORRECT).world;
    expect(w.hosts.h?.esxupdateLog).toEqual([CURL56]);
    expect(vibList(w.hosts.h as never)).toEqual([]);
    w = firewallStep(w, { type: 'VibInstallManual', host: 'h' }, CORRECT).world;
    expect(vibList(w.hosts.h as never).map((r) => r.name)).toEqual(['vr2c-firewall']);
    expect(rulesetList(w.hosts.h as never).map((r) => r.name)).toContain(
      'Replication-to-CloudTraffic',
    );
  });

  test('a range is shown as begin-end, and rules match direction and protocol, not only the port', () => {
    let w = world('6.7');
    w = firewallStep(w, { type: 'VibInstallManual', host: 'h' }, CORRECT).world;
    const fw = w.hosts.h;
    if (!fw) throw new Error('host h missing');
    const out = decide(fw, pkt('outbound', 10007), CORRECT);
    expect([out.action, out.ruleset, out.rule]).toEqual([
      'allow',
      'Replication-to-CloudTraffic',
      'outbound tcp dst 10000-10010',
    ]);
    // HBR and the vib open outbound TCP only; vSphereClient opens 902 and 443 inbound only.
    for (const p of [
      pkt('inbound', 44046),
      pkt('inbound', 10007),
      pkt('outbound', 902, VRS, 'udp'),
      pkt('inbound', 902, VRS, 'udp'),
    ])
      expect(decide(fw, p, CORRECT).action, `${p.direction} ${p.protocol} ${p.port}`).toBe('drop');
  });

  test('an allowed-IP list restricts every rule of its ruleset and says whom it lets in (notes A1, F)', () => {
    const steps: FirewallEvent[] = [
      { type: 'RulesetAllowedAll', host: 'h', ruleset: 'vSphereClient', allowedAll: false },
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'vSphereClient', address: '10.12.12.0/24' },
    ];
    let w = world('7.0');
    for (const e of steps) {
      const r = firewallStep(w, e, CORRECT);
      expect(r.error).toBeUndefined();
      w = r.world;
    }
    const fw = w.hosts.h as never;
    expect(decide(fw, pkt('inbound', 902), CORRECT)).toEqual({
      action: 'allow',
      ruleset: 'vSphereClient',
      rule: 'inbound tcp dst 902',
      reason:
        'vSphereClient allows inbound tcp dst 902 for 10.12.12.10 (allowed IPs 10.12.12.0/24)',
    });
    expect(decide(fw, pkt('inbound', 443, '172.16.0.5'), CORRECT)).toEqual({
      action: 'drop',
      ruleset: 'default-drop',
      rule: '-',
      reason:
        'vSphereClient allows inbound tcp dst 443 only for 10.12.12.0/24, not 172.16.0.5; default action DROP',
    });
    // The outgoing NFC ruleset is not restricted and opens only outbound 902.
    expect(decide(fw, pkt('outbound', 902, '172.16.0.5'), CORRECT).ruleset).toBe('NFC');
  });

  test.each<[string, FirewallEvent, string]>([
    [
      'an address that is not IPv4',
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: 'vrs.example.com' },
      'h: HBR: expected an IPv4 address or prefix such as 10.12.12.10 or 10.12.12.0/24, got "vrs.example.com"',
    ],
    [
      'a prefix length over 32',
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: '10.0.0.0/33' },
      'h: HBR: expected an IPv4 address or prefix such as 10.12.12.10 or 10.12.12.0/24, got "10.0.0.0/33"',
    ],
    [
      'an address already listed, written as another prefix text',
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: '10.12.12.7/24' },
      'h: HBR: 10.12.12.7/24 is already an allowed IP',
    ],
    [
      'removing an address not listed',
      { type: 'AllowedIpRemove', host: 'h', ruleset: 'HBR', address: '10.12.12.10' },
      'h: HBR: 10.12.12.10 is not an allowed IP',
    ],
    [
      'an unknown ruleset',
      { type: 'RulesetAllowedAll', host: 'h', ruleset: 'sshServer', allowedAll: false },
      'h: no ruleset sshServer',
    ],
  ])('allowed IPs: %s is refused and changes nothing', (_n, e, error) => {
    const w = firewallStep(
      world('7.0'),
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: '10.12.12.0/24' },
      CORRECT,
    ).world;
    const r = firewallStep(w, e, CORRECT);
    expect(r.error).toBe(error);
    expect(r.world).toBe(w);
  });

  test('allowed IPs: an address removed by the text it was added with, and allowed-all restored', () => {
    let w = world('7.0');
    for (const e of [
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: '10.12.12.10' },
      { type: 'AllowedIpAdd', host: 'h', ruleset: 'HBR', address: '192.168.0.0/16' },
      { type: 'AllowedIpRemove', host: 'h', ruleset: 'HBR', address: '10.12.12.10' },
      { type: 'RulesetAllowedAll', host: 'h', ruleset: 'HBR', allowedAll: false },
    ] as FirewallEvent[])
      w = firewallStep(w, e, CORRECT).world;
    const hbr = w.hosts.h?.rulesets.find((r) => r.id === 'HBR');
    expect([hbr?.allowedAll, hbr?.allowedIps]).toEqual([false, ['192.168.0.0/16']]);
    expect(decide(w.hosts.h as never, pkt('outbound', 31031), CORRECT).action).toBe('drop');
    w = firewallStep(
      w,
      { type: 'RulesetAllowedAll', host: 'h', ruleset: 'HBR', allowedAll: true },
      CORRECT,
    ).world;
    expect(decide(w.hosts.h as never, pkt('outbound', 31031), CORRECT).action).toBe('allow');
  });

  test('the hbr-rule-in-vib defect moves 31031 from the built-in HBR ruleset into the vib', () => {
    const defect = variantByName('hbr-rule-in-vib');
    if (!defect) throw new Error('variant hbr-rule-in-vib missing');
    const bare = initFirewall('h', '6.7', defect);
    const full = pkt('outbound', 31031);
    expect(decide(bare, full, defect).action).toBe('drop');
    expect(decide(bare, { ...full, port: 44046 }, defect).ruleset).toBe('HBR');
    const w = firewallStep(
      { now: 0, hosts: { h: bare } },
      { type: 'VibInstallManual', host: 'h' },
      defect,
    ).world;
    const v = decide(w.hosts.h as never, full, defect);
    expect([v.action, v.ruleset, v.rule]).toEqual([
      'allow',
      'Replication-to-CloudTraffic',
      'outbound tcp dst 31031',
    ]);
  });
});
