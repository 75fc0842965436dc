// `npm run check` on a site replicating to the cloud: the optional `cloud` section of
// topology.json, with the firewalls of the site's hosts as the host check read them, judged on
// the tunnel model. Pure: the script does the reading.
import type { CommandOutput } from '../esxcli/host.ts';
import { assembleHost } from '../esxcli/host.ts';
import type { HostFirewall } from '../firewall/firewall.ts';
import type { Topology } from '../network/intent.ts';
import { CORRECT } from '../variants.ts';
import { type CloudCheck, checkCloud } from './check.ts';
import { parseCloud } from './spec.ts';
import { DEFAULT_VCTA_ADDRESS } from './types.ts';

export interface SiteInput {
  readonly name: string;
  readonly where: string;
  readonly outputs: readonly CommandOutput[];
  readonly error?: string;
}

/**
 * The tunnel findings for topology.json's `cloud` section, or null when it has none. A bad
 * section throws EsxcliParseError naming the field; hosts that do not parse are the host
 * check's to report, and their firewalls are left out here.
 */
export function checkCloudSite(
  file: string,
  text: string,
  topology: Topology,
  inputs: readonly SiteInput[],
): CloudCheck | null {
  const spec = parseCloud(file, text);
  if (!spec) return null;
  const firewalls: HostFirewall[] = [];
  for (const i of inputs) {
    if (i.error !== undefined || !topology.hosts.some((h) => h.name === i.name)) continue;
    try {
      const fw = assembleHost(i.name, i.where, i.outputs).firewall;
      if (fw) firewalls.push(fw);
    } catch {
      // Reported by the host check with its file and line.
    }
  }
  const appliance = topology.appliances.find((a) => a.role === 'vr-appliance')?.ip;
  return checkCloud(spec, firewalls, CORRECT, appliance ?? DEFAULT_VCTA_ADDRESS);
}
