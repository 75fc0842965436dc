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
import { CORRECT } from '../model/variants.ts';
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
  const world = (version: '6.5' | '6.5U1'): FirewallWorld => ({
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
});
