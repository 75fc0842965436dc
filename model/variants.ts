// Named behaviour variants, switched by data: the ESXi/VR version a run models, the readings
// (where the sources disagree, each reading is a correct model and every property must hold on
// it), and the defect zoo (realistic wrong behaviours every one of which some property must
// catch).

/**
 * The ESXi versions modelled. Only 6.5 Update 1 is '6.5U1' (seed 003's failing vib download;
 * research-notes F): later 6.5 updates are '6.5'. 6.7, 7.0 and 8.0 are modelled like 6.5
 * unless a source says otherwise.
 */
export const ESXI_VERSIONS = ['5.5', '6.0', '6.5', '6.5U1', '6.7', '7.0', '8.0'] as const;
export type EsxiVersion = (typeof ESXI_VERSIONS)[number];

export const DEFECTS = [
  'commit-as-arrives',
  'bitmap-lost-on-cut',
  'stale-psf-trusted',
  'live-read-transfer',
  'fullsync-misses-concurrent-writes',
  'fullsync-sends-all',
  'mpit-prunes-newest',
  'syncnow-without-lock',
  'poweroff-shows-paused',
  'rpo-range-ignores-version',
  'tie-highest-vmk',
  'first-match-route',
  'routes-survive-reboot-unpersisted',
  'netstack-gateway-fallback',
  'gateway-override-for-all',
  'advisor-ignores-persistence',
  'replication-on-custom-stack',
  'advisor-verifies-own-finding-only',
  'ruleset-enabled-ignored',
  'rule-direction-ignored',
  'allowed-ips-ignored',
  'nfc-outbound-from-target',
  'vib-installs-on-65u1',
  'hbr-rule-in-vib',
  'vib-install-duplicates-ruleset',
  'mobility-checks-current-host-only',
  'check-range-ends-only',
  'check-allowed-ips-unread',
  'rpo-violation-off-by-one',
  'scheduler-latest-start',
  'ok-while-dropped',
  'blocked-shows-error',
  'failover-to-partial',
  'reprotect-without-checksums',
  'optimized-reprotect-after-disaster',
  'cloud-dials-tenant',
  'stitch-any-pending',
  'reverse-fqdn-defaults-to-vip',
  'cert-checks-cn-only',
  'wildcard-matches-any-depth',
  'thumbprint-not-pinned',
  'second-control-connection',
  'reverse-failure-silent',
  'vcta-accepts-without-tunnel',
] as const;
export type Defect = (typeof DEFECTS)[number];

export type DefectArea =
  | 'replication'
  | 'network'
  | 'firewall'
  /** `npm run check`: real esxcli output parsed and judged (model/esxcli). */
  | 'host-check'
  | 'world'
  | 'tunnel'
  | 'cloud-world';

export interface DefectInfo {
  readonly area: DefectArea;
  /** Other areas whose properties compose this one and should see the defect too. */
  readonly alsoAreas?: readonly DefectArea[];
  /** What the wrong implementation does, in one sentence. */
  readonly description: string;
  /** Which invariants ought to catch it (the zoo checks that at least one property does). */
  readonly expectedInvariants: readonly string[];
}

export const DEFECT_INFO: Readonly<Record<Defect, DefectInfo>> = {
  'commit-as-arrives': {
    area: 'replication',
    description: 'the VRS writes blocks to the target as they arrive instead of staging the bundle',
    expectedInvariants: ['R5', 'R2'],
  },
  'bitmap-lost-on-cut': {
    area: 'replication',
    description: 'the changed-block bitmap is cleared at cycle start and not restored on a cut',
    // R6 too: the writes of the cut cycle are tracked nowhere (the explorer's shortest trace).
    expectedInvariants: ['R4', 'R1', 'R2', 'R6'],
  },
  'stale-psf-trusted': {
    area: 'replication',
    description: 'crash recovery resumes from a stale psf instead of forcing a full sync',
    expectedInvariants: ['R6'],
  },
  'live-read-transfer': {
    area: 'replication',
    description: "the transfer reads live blocks, not the cycle's point in time",
    expectedInvariants: ['R2'],
  },
  'fullsync-misses-concurrent-writes': {
    area: 'replication',
    description: 'guest writes made while a full sync runs are not tracked for the next cycle',
    expectedInvariants: ['R1', 'R4', 'R6'],
  },
  'fullsync-sends-all': {
    area: 'replication',
    description: 'full sync sends every block whatever the checksums say',
    expectedInvariants: ['R7'],
  },
  'mpit-prunes-newest': {
    area: 'replication',
    description: 'retention pruning drops the newest point-in-time instance instead of the oldest',
    expectedInvariants: ['R3'],
  },
  'syncnow-without-lock': {
    area: 'replication',
    description:
      'Sync Now on a powered-off VM does not lock its disks, so power-on is allowed mid-sync',
    expectedInvariants: ['R9'],
  },
  'poweroff-shows-paused': {
    area: 'replication',
    alsoAreas: ['world'],
    description:
      "a powered-off VM's replication shows Paused, as if powering off paused it, instead of Not Active",
    expectedInvariants: ['R9', 'F4'],
  },
  'rpo-range-ignores-version': {
    area: 'replication',
    description: 'the 5 min minimum RPO of 6.5 is accepted on every version, 5.x and 6.0 included',
    expectedInvariants: ['R12'],
  },
  'tie-highest-vmk': {
    area: 'network',
    description:
      'among vmks sharing a subnet the highest-numbered one sends, not the first created',
    expectedInvariants: ['N1', 'N4'],
  },
  'first-match-route': {
    area: 'network',
    alsoAreas: ['world'],
    description: 'the first route in the table that matches wins, not the longest prefix',
    expectedInvariants: ['N1', 'N2', 'N6'],
  },
  'routes-survive-reboot-unpersisted': {
    area: 'network',
    description:
      'routes not written to local.sh survive a reboot on a host that loses them (seed 000)',
    expectedInvariants: ['N3'],
  },
  'netstack-gateway-fallback': {
    area: 'network',
    description: "a custom netstack without a gateway falls back to the default stack's gateway",
    expectedInvariants: ['N5', 'N1'],
  },
  'gateway-override-for-all': {
    area: 'network',
    description: 'a per-vmk gateway is used by services not bound to that vmk',
    expectedInvariants: ['N1'],
  },
  'advisor-ignores-persistence': {
    area: 'network',
    description: 'the advisor passes a config whose needed route will not survive a reboot',
    expectedInvariants: ['N7'],
  },
  'replication-on-custom-stack': {
    area: 'network',
    description:
      'a vmk on a custom netstack tagged vSphereReplication or vSphereReplicationNFC carries that traffic on its own stack',
    expectedInvariants: ['N8'],
  },
  'advisor-verifies-own-finding-only': {
    area: 'network',
    description:
      'the advisor checks a fix only against its own finding, so a route that fixes one flow may break another',
    // N7 judges fixes too, but its drifted layouts rarely make two flows compete for a route:
    // the N8-fixes property (invariants N8 and N7) generates layouts where they do.
    expectedInvariants: ['N8'],
  },
  'ruleset-enabled-ignored': {
    area: 'firewall',
    description: 'a disabled ruleset still lets its ports through',
    // F1 for the to-cloud ruleset, F2 for HBR and vSphereClient.
    expectedInvariants: ['F1', 'F2'],
  },
  'rule-direction-ignored': {
    area: 'firewall',
    alsoAreas: ['world'],
    description:
      "a rule matches packets of either direction, so vSphereClient's inbound 443 also lets the host's own HTTPS out",
    expectedInvariants: ['F2'],
  },
  'allowed-ips-ignored': {
    area: 'firewall',
    alsoAreas: ['world', 'host-check'],
    description: "a ruleset's allowed-IP list is ignored: every address passes its rules",
    expectedInvariants: ['F2'],
  },
  'nfc-outbound-from-target': {
    area: 'firewall',
    alsoAreas: ['world', 'host-check'],
    description:
      "NFC is gated by the target host's outgoing NFC ruleset instead of its incoming vSphereClient ruleset (the old reading of research-notes A1)",
    expectedInvariants: ['F2', 'E1'],
  },
  'vib-installs-on-65u1': {
    area: 'firewall',
    description:
      'the appliance push of vr2c-firewall.vib succeeds on ESXi 6.5U1 (seed 003 says it fails)',
    // F1 too: the to-cloud ports open on a host where seed 003 says they stay shut.
    expectedInvariants: ['F3', 'F1'],
  },
  'hbr-rule-in-vib': {
    area: 'firewall',
    description: "HBR's 31031 is opened by the to-cloud vib instead of the built-in ruleset",
    expectedInvariants: ['F2'],
  },
  'vib-install-duplicates-ruleset': {
    area: 'firewall',
    description: 'installing the vib again adds a second copy of its ruleset',
    expectedInvariants: ['F6'],
  },
  'mobility-checks-current-host-only': {
    area: 'firewall',
    description:
      'the to-the-cloud host check looks only at where the VM runs now, not where DRS may move it',
    expectedInvariants: ['F5'],
  },
  'check-range-ends-only': {
    area: 'host-check',
    description:
      'the host check judges the to-the-cloud range TCP 10000-10010 by its first and last port only, so a ruleset open at both ends but not between passes',
    expectedInvariants: ['F1'],
  },
  'check-allowed-ips-unread': {
    area: 'host-check',
    description:
      'the host check reads the rulesets and their rules but not their allowed-IP lists, so a ruleset restricted to other addresses still lets replication, NFC or to-the-cloud traffic through',
    expectedInvariants: ['F2', 'F1'],
  },
  'rpo-violation-off-by-one': {
    area: 'world',
    description: 'the RPO violation is raised when the age reaches the RPO, a minute early',
    expectedInvariants: ['R8'],
  },
  'scheduler-latest-start': {
    area: 'world',
    description:
      'the scheduler estimates a transfer from the blocks dirty now at full link speed and starts it as late as the RPO allows, instead of from the last deltas and half the RPO',
    expectedInvariants: ['R8'],
  },
  'ok-while-dropped': {
    area: 'world',
    alsoAreas: ['cloud-world'],
    description:
      'a transfer whose traffic is dropped counts as sent, so the VM shows OK and no RPO violation',
    expectedInvariants: ['F4', 'R8'],
  },
  'blocked-shows-error': {
    area: 'world',
    description:
      'a transfer that cannot connect to the VRS (route, firewall, link) shows Error instead of Not Active',
    expectedInvariants: ['F4'],
  },
  'failover-to-partial': {
    area: 'world',
    description: 'failover writes the bundle still arriving at the VRS into the recovered disks',
    expectedInvariants: ['R10'],
  },
  'optimized-reprotect-after-disaster': {
    area: 'world',
    description:
      "reprotect skips the checksum full sync after a disaster recovery too, trusting the recovered VM's psf, so the old site keeps writes the DR site never got",
    expectedInvariants: ['R11'],
  },
  'reprotect-without-checksums': {
    area: 'world',
    description: 'reprotect ignores the old source disk and sends every written block back',
    expectedInvariants: ['R11'],
  },
  'cloud-dials-tenant': {
    area: 'tunnel',
    description:
      'the proxy holding the control connection dials the vCTA for a reverse connection instead of asking over the control connection',
    expectedInvariants: ['C1'],
  },
  'stitch-any-pending': {
    area: 'tunnel',
    description:
      'a proxy joins a reverse connection to the first session it holds, whatever its tenant or replication group',
    expectedInvariants: ['C2'],
  },
  'reverse-fqdn-defaults-to-vip': {
    area: 'tunnel',
    description:
      'an L4 proxy without cloudproxy.reverseconnection.fqdn hands out the VIP, so the stitch depends on the balancer pick',
    expectedInvariants: ['C5'],
  },
  'cert-checks-cn-only': {
    area: 'tunnel',
    description:
      "the vCTA checks the dialled name against the certificate's CN and ignores its SANs",
    expectedInvariants: ['C4'],
  },
  'wildcard-matches-any-depth': {
    area: 'tunnel',
    description: 'a wildcard certificate *.base covers names any number of labels below base',
    expectedInvariants: ['C4'],
  },
  'thumbprint-not-pinned': {
    area: 'tunnel',
    description:
      'the vCTA accepts any certificate that covers the name, not only the one pinned at pairing',
    expectedInvariants: ['C4'],
  },
  'second-control-connection': {
    area: 'tunnel',
    description:
      'the vCTA opens a new control connection while it holds one, so two proxies each think they own the tenant',
    expectedInvariants: ['C3'],
  },
  'reverse-failure-silent': {
    area: 'tunnel',
    alsoAreas: ['cloud-world'],
    description:
      'a failed reverse connection shows nowhere: the site stays Connected with no from-the-cloud error',
    expectedInvariants: ['C6'],
  },
  'vcta-accepts-without-tunnel': {
    area: 'cloud-world',
    description:
      "the vCTA takes a host's to-the-cloud stream while it has no connection to the cloud, and the transfer counts as sent",
    expectedInvariants: ['E1'],
  },
};

/**
 * Where the sources disagree, each reading is kept: the default model follows one, a reading
 * variant the other. A reading is not a defect: every property must hold on it, and the zoo's
 * "caught" expectation does not apply.
 */
export const READINGS = ['ongoing-on-31031', 'paused-off-not-active'] as const;
export type Reading = (typeof READINGS)[number];

export interface ReadingInfo {
  readonly area: 'replication' | 'network' | 'firewall' | 'world';
  readonly alsoAreas?: readonly ('replication' | 'network' | 'firewall' | 'world')[];
  /** What this reading says, in one sentence, against the default. */
  readonly description: string;
  /** The sources behind it. */
  readonly source: string;
}

export const READING_INFO: Readonly<Record<Reading, ReadingInfo>> = {
  'ongoing-on-31031': {
    area: 'world',
    description:
      'ongoing (delta) replication also travels on TCP 31031, not 44046; the default follows seeds 001/002 (full sync 31031, deltas 44046)',
    source:
      'research-notes F and A1: the .vmx points the filter at the VR server 31031 with protocol lwd, govmomi issue 2639 shows Port 31031, KB 403723 blames a blocked 31031',
  },
  'paused-off-not-active': {
    area: 'replication',
    alsoAreas: ['world'],
    description:
      'a paused replication of a powered-off VM shows Not Active, not Paused; the sources are silent on the precedence (the default is an inference)',
    source: 'research-notes A5 and A7 name both states but not which wins',
  },
};

export interface Variant {
  readonly name: string;
  readonly defects: readonly Defect[];
  /** The readings this variant follows where the sources disagree; none for the default. */
  readonly readings?: readonly Reading[];
}

export const CORRECT: Variant = { name: 'correct', defects: [] };

/** One variant per defect, named after it. */
export function zooVariants(): Variant[] {
  return DEFECTS.map((d) => ({ name: d, defects: [d] }));
}

/** One variant per reading, named after it: correct models, never part of the zoo. */
export function readingVariants(): Variant[] {
  return READINGS.map((r) => ({ name: r, defects: [], readings: [r] }));
}

export function variantByName(name: string): Variant | undefined {
  if (name === CORRECT.name) return CORRECT;
  return [...zooVariants(), ...readingVariants()].find((v) => v.name === name);
}

export function has(variant: Variant, defect: Defect): boolean {
  return variant.defects.includes(defect);
}

/** True iff the variant follows that reading of the sources. */
export function reads(variant: Variant, reading: Reading): boolean {
  return variant.readings?.includes(reading) === true;
}

/** RPO bounds in minutes: 15 min to 24 h in 5.x/6.0, 5 min from 6.5 (research-notes A2). */
export function rpoRange(version: EsxiVersion, variant?: Variant): { min: number; max: number } {
  if (variant && has(variant, 'rpo-range-ignores-version')) return { min: 5, max: 1440 };
  return version === '5.5' || version === '6.0' ? { min: 15, max: 1440 } : { min: 5, max: 1440 };
}

/** At most 24 retained point-in-time instances (research-notes A2, MPIT). */
export const MAX_RETENTION = 24;
