// Seed 003 as fixtures: to-the-cloud replication from ESXi 6.5 and 6.5U1 hosts, before and
// after the manual vib workaround, and a VM that DRS could move onto an unpatched host; and
// research-notes A1/F's NFC into a target host, closed by an allowed-IP list or not.
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
  NFC_INBOUND_RULESET,
  nfcPacket,
  type Packet,
} from '../../model/firewall/firewall.ts';
import { mobilityFindings, type Placement } from '../../model/firewall/mobility.ts';
import type { EsxiVersion, Variant } from '../../model/variants.ts';
import { VR_APPLIANCE, VR_SERVER } from './properties.ts';

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
    const f = mobilityFindings(s.placements, w.hosts, variant, VR_APPLIANCE)[0];
    return f ? { verdict: 'found', flow: `F5: ${f.message}` } : { verdict: 'clean' };
  }
  const out = (port: number, remote: string): Packet => ({
    direction: 'outbound',
    protocol: 'tcp',
    port,
    remote,
  });
  // Host-to-host: each host as the source (HBR out to the VR server) and as the target (NFC in
  // from the VR server, research-notes A1).
  const packets: { what: string; packet: Packet }[] =
    s.check === 'to-cloud'
      ? [10000, 10010].map((port) => ({
          what: `to-cloud replication on TCP ${port}`,
          packet: out(port, VR_APPLIANCE),
        }))
      : [
          ...[31031, 44046].map((port) => ({
            what: `host-to-host replication on TCP ${port}`,
            packet: out(port, VR_SERVER),
          })),
          { what: 'NFC from the VR server on TCP 902', packet: nfcPacket(VR_SERVER, variant) },
        ];
  for (const fw of Object.values(w.hosts)) {
    for (const { what, packet } of packets) {
      const d = decide(fw, packet, variant);
      if (d.action === 'drop') {
        const log = fw.esxupdateLog.find((l) => l === CURL56);
        return {
          verdict: 'found',
          flow: `${s.check === 'to-cloud' ? 'F1' : 'F2'}: ${what} at ${fw.host} (ESXi ${fw.version}) is dropped: ${d.reason}${log ? `; esxupdate.log: ${log}` : ''}`,
        };
      }
    }
  }
  return { verdict: 'clean' };
}

const host = (name: string, version: EsxiVersion) => ({ name, version });
const boot: FirewallEvent = { type: 'ApplianceBoot' };

/** A DR host whose vSphereClient ruleset admits only the management network. */
const MANAGEMENT_ONLY: FirewallEvent[] = [
  { type: 'RulesetAllowedAll', host: 'esx-dr-01', ruleset: NFC_INBOUND_RULESET, allowedAll: false },
  {
    type: 'AllowedIpAdd',
    host: 'esx-dr-01',
    ruleset: NFC_INBOUND_RULESET,
    address: '172.16.0.0/24',
  },
];

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
    // The target host's vSphereClient allowed-IP list leaves the VR server out: NFC is blocked.
    name: 'notes-f-nfc-allowed-ip-excludes-vr-server',
    source: 'research-notes A1, F',
    hosts: [host('esx-dr-01', '7.0')],
    placements: [],
    events: MANAGEMENT_ONLY,
    check: 'host-to-host',
    expected: 'found',
  },
  {
    // The fix: the VR server added to the allowed IPs.
    name: 'notes-f-nfc-allowed-ip-admits-vr-server',
    source: 'research-notes A1, F',
    hosts: [host('esx-dr-01', '7.0')],
    placements: [],
    events: [
      ...MANAGEMENT_ONLY,
      { type: 'AllowedIpAdd', host: 'esx-dr-01', ruleset: NFC_INBOUND_RULESET, address: VR_SERVER },
    ],
    check: 'host-to-host',
    expected: 'clean',
  },
  {
    // The host's outgoing NFC ruleset covers NFC the host starts, not the VR server's (notes A1).
    name: 'notes-a1-outgoing-nfc-disabled',
    source: 'research-notes A1',
    hosts: [host('esx-dr-01', '7.0')],
    placements: [],
    events: [{ type: 'RulesetSet', host: 'esx-dr-01', ruleset: 'NFC', enabled: false }],
    check: 'host-to-host',
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
