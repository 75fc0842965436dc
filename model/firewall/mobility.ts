// F5: a to-the-cloud protected VM must not be able to land on a host whose firewall drops its
// replication. The check runs over the cluster before any move (seed 003: 6.5U1 hosts lack
// the Replication-to-CloudTraffic ruleset).
import { has, type Variant } from '../variants.ts';
import { decide, type HostFirewall, TO_CLOUD_PORTS, TO_CLOUD_RULESET } from './firewall.ts';

export interface Placement {
  readonly vm: string;
  readonly host: string;
  readonly toCloud: boolean;
  /** The hosts DRS or an admin may move it to (its cluster). */
  readonly cluster: readonly string[];
}

export interface MobilityFinding {
  readonly vm: string;
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

/**
 * True iff a host lets to-the-cloud replication out to the VR appliance at `appliance` on every
 * port of TCP 10000-10010 (research-notes A1, D: the agent's port is any one of them).
 */
export function passesToCloud(fw: HostFirewall, variant: Variant, appliance: string): boolean {
  return TO_CLOUD_PORTS.every(
    (port) =>
      decide(fw, { direction: 'outbound', protocol: 'tcp', port, remote: appliance }, variant)
        .action === 'allow',
  );
}

/** The findings for VMs replicated to the cloud through the VR appliance at `appliance`. */
export function mobilityFindings(
  placements: readonly Placement[],
  firewalls: Readonly<Record<string, HostFirewall>>,
  variant: Variant,
  appliance: string,
): MobilityFinding[] {
  const out: MobilityFinding[] = [];
  for (const p of placements.filter((x) => x.toCloud)) {
    const targets = has(variant, 'mobility-checks-current-host-only') ? [p.host] : p.cluster;
    for (const h of targets) {
      const fw = firewalls[h];
      if (!fw || passesToCloud(fw, variant, appliance)) continue;
      const rs = fw.rulesets.find((r) => r.id === TO_CLOUD_RULESET);
      const why = !rs
        ? `${TO_CLOUD_RULESET} is missing`
        : rs.enabled
          ? `${TO_CLOUD_RULESET} does not allow the VR appliance ${appliance}`
          : `${TO_CLOUD_RULESET} is disabled`;
      out.push({
        vm: p.vm,
        from: p.host,
        to: h,
        message:
          h === p.host
            ? `${p.vm} runs on ${h} (ESXi ${fw.version}), which drops to-the-cloud replication: ${why}`
            : `${p.vm} can move from ${p.host} to ${h} (ESXi ${fw.version}), which drops to-the-cloud replication: ${why}`,
      });
    }
  }
  return out;
}
