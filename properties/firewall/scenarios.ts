// Seed 003 as fixtures: to-the-cloud replication from ESXi 6.5 and 6.5U1 hosts, before and
// after the manual vib workaround, and a VM that DRS could move onto an unpatched host.
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
} from '../../model/firewall/firewall.ts';
import { mobilityFindings, type Placement } from '../../model/firewall/mobility.ts';
import type { EsxiVersion, Variant } from '../../model/variants.ts';

export interface FwScenario {
  readonly name: string;
  readonly source: string;
  readonly hosts: readonly { readonly name: string; readonly version: EsxiVersion }[];
  readonly placements: readonly Placement[];
  readonly events: readonly FirewallEvent[];
  /** What is judged: to-the-cloud traffic, host-to-host traffic, or where VMs may move. */
  readonly check: 'to-cloud' | 'host-to-host' | 'mobility';
  readonly expected: 'found' | 'clean';
}

export interface FwVerdict {
  readonly verdict: 'found' | 'clean';
  readonly flow?: string;
}

export function judgeFirewall(s: FwScenario, variant: Variant): FwVerdict {
  let w: FirewallWorld = {
    now: 0,
    hosts: Object.fromEntries(
      s.hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
    ),
  };
  for (const e of s.events) w = firewallStep(w, e, variant).world;
  if (s.check === 'mobility') {
    const f = mobilityFindings(s.placements, w.hosts, variant)[0];
    return f ? { verdict: 'found', flow: `F5: ${f.message}` } : { verdict: 'clean' };
  }
  const ports = s.check === 'to-cloud' ? [10000, 10010] : [31031, 44046, 902];
  for (const fw of Object.values(w.hosts)) {
    for (const port of ports) {
      const d = decide(fw, { direction: 'outbound', protocol: 'tcp', port }, variant);
      if (d.action === 'drop') {
        const log = fw.esxupdateLog.find((l) => l.includes(CURL56));
        return {
          verdict: 'found',
          flow: `${s.check === 'to-cloud' ? 'F1' : 'F2'}: ${s.check} replication from ${fw.host} (ESXi ${fw.version}) on TCP ${port} is dropped: ${d.reason}${log ? `; esxupdate.log: ${log}` : ''}`,
        };
      }
    }
  }
  return { verdict: 'clean' };
}

const host = (name: string, version: EsxiVersion) => ({ name, version });
const boot: FirewallEvent = { type: 'ApplianceBoot' };

export const FW_SCENARIOS: readonly FwScenario[] = [
  {
    name: 'seed-003-65u1-auto',
    source: 'seed 003',
    hosts: [host('esx-65u1', '6.5U1')],
    placements: [],
    events: [boot],
    check: 'to-cloud',
    expected: 'found',
  },
  {
    name: 'seed-003-65-auto',
    source: 'seed 003',
    hosts: [host('esx-65', '6.5')],
    placements: [],
    events: [boot],
    check: 'to-cloud',
    expected: 'clean',
  },
  {
    name: 'seed-003-65u1-host-to-host',
    source: 'seed 003',
    hosts: [host('esx-65u1', '6.5U1')],
    placements: [],
    events: [boot],
    check: 'host-to-host',
    expected: 'clean',
  },
  {
    name: 'seed-003-65u1-workaround',
    source: 'seed 003',
    hosts: [host('esx-65u1', '6.5U1')],
    placements: [],
    events: [boot, { type: 'VibInstallManual', host: 'esx-65u1' }],
    check: 'to-cloud',
    expected: 'clean',
  },
  {
    name: 'seed-003-vmotion-to-unpatched',
    source: 'seed 003',
    hosts: [host('esx-65', '6.5'), host('esx-65u1', '6.5U1')],
    placements: [{ vm: 'vm-1', host: 'esx-65', toCloud: true, cluster: ['esx-65', 'esx-65u1'] }],
    events: [boot],
    check: 'mobility',
    expected: 'found',
  },
];
