import { describe, expect, test } from 'vitest';
import {
  CURL56,
  decide,
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

  test('an allowed packet names its ruleset and rule; a dropped one says default-drop', () => {
    const fw = initFirewall('esx-01', '6.7', CORRECT);
    const hbr = decide(fw, { direction: 'outbound', protocol: 'tcp', port: 44046 }, CORRECT);
    expect([hbr.action, hbr.ruleset, hbr.rule]).toEqual(['allow', 'HBR', 'outbound tcp dst 44046']);
    const cloud = decide(fw, { direction: 'outbound', protocol: 'tcp', port: 10005 }, CORRECT);
    expect([cloud.action, cloud.ruleset]).toEqual(['drop', 'default-drop']);
  });

  test('on 6.5U1 the appliance push logs curl#56 and adds nothing; the manual install works', () => {
    let w = firewallStep(world('6.5U1'), { type: 'ApplianceBoot' }, CORRECT).world;
    expect(w.hosts.h?.esxupdateLog).toEqual([`vr2c-firewall: ${CURL56}`]);
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
    const out = decide(fw, { direction: 'outbound', protocol: 'tcp', port: 10007 }, CORRECT);
    expect([out.action, out.ruleset, out.rule]).toEqual([
      'allow',
      'Replication-to-CloudTraffic',
      'outbound tcp dst 10000-10010',
    ]);
    // Every built-in and vib rule is outbound TCP: inbound or UDP on the same ports is dropped.
    for (const p of [
      { direction: 'inbound', protocol: 'tcp', port: 44046 },
      { direction: 'inbound', protocol: 'tcp', port: 10007 },
      { direction: 'outbound', protocol: 'udp', port: 902 },
    ] as const)
      expect(decide(fw, p, CORRECT).action, `${p.direction} ${p.protocol} ${p.port}`).toBe('drop');
  });

  test('the hbr-rule-in-vib defect moves 31031 from the built-in HBR ruleset into the vib', () => {
    const defect = variantByName('hbr-rule-in-vib');
    if (!defect) throw new Error('variant hbr-rule-in-vib missing');
    const bare = initFirewall('h', '6.7', defect);
    const full = { direction: 'outbound', protocol: 'tcp', port: 31031 } as const;
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
