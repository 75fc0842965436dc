// The tunnel's one question to model/firewall: does a tenant host's firewall let a packet out
// to its vCTA? Kept in this one function so that a change to the firewall's decision API
// (direction and remote address) is adapted here only.
import { decide, type HostFirewall, type Verdict } from '../firewall/firewall.ts';
import type { Variant } from '../variants.ts';

/**
 * The host firewall's verdict on TCP `port` out to the vCTA at `vcta` (notes D: TCP
 * 10000-10010 out; the ruleset's allowed-IP list applies to the far end).
 */
export function hostLetsOut(
  fw: HostFirewall,
  port: number,
  vcta: string,
  variant: Variant,
): Verdict {
  return decide(fw, { direction: 'outbound', protocol: 'tcp', port, remote: vcta }, variant);
}
