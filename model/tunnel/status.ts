// The cloud site as the tenant's VR shows it (notes E: VR 6.5 site connection states, and the
// per-direction communication errors of VCDA), derived from state.
import type { Direction, SiteState, TenantState } from './types.ts';

/**
 * Connection issue: the vCTA is stopped, it holds no control connection (network or remote
 * down), or the certificate changed; Not authenticated: the session expired (replications keep
 * running); else Connected (notes E). Reading "network or remote down" as "no control
 * connection" is an inference.
 */
export function siteState(t: TenantState): SiteState {
  if (t.vcta === 'down' || t.control.length === 0) return 'Connection issue';
  if (t.errors.toCloud?.code === 'CertificateMismatch') return 'Connection issue';
  if (t.session === 'expired') return 'Not authenticated';
  return 'Connected';
}

/** True iff the site shows this direction healthy: Connected, and no error for it. */
export function directionHealthy(t: TenantState, d: Direction): boolean {
  return siteState(t) === 'Connected' && t.errors[d] === null;
}
