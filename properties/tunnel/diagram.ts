// Who dialled whom in a tunnel counterexample: the model replayed step by step, every
// connection attempt, relayed request and stitch as a message between participants (the
// tenant's hosts and vCTA, DNS, the VIP, each proxy, the cloud side), drawn as a Mermaid
// sequence diagram for Markdown and as an SVG for report.html, from the same list.
import { init, step } from '../../model/tunnel/step.ts';
import type { TunnelEmitted, TunnelEvent, TunnelSetup } from '../../model/tunnel/types.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import type { CounterexampleRecord } from '../harness.ts';
import { escapeHtml, mermaidText } from '../report/escape.ts';
import { formatTunnelEvent } from './render.ts';

export interface Message {
  /** 1-based step of the event that caused it. */
  readonly step: number;
  readonly from: string;
  /** The same as `from` for a note over one participant. */
  readonly to: string;
  readonly text: string;
  /** A new connection (solid), or a message over one already open or a hand-on (dashed). */
  readonly kind: 'dial' | 'over' | 'note';
  readonly ok: boolean;
  readonly failing: boolean;
}

export interface Sequence {
  /** Participant ids, on-premises first, in the order they appear on the page. */
  readonly onPremises: readonly string[];
  readonly provider: readonly string[];
  readonly messages: readonly Message[];
}

export function participantLabel(id: string): string {
  const [kind, name] = id.includes(':')
    ? [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)]
    : [id, ''];
  switch (kind) {
    case 'esx':
      return `ESXi ${name}`;
    case 'vcta':
      return `vCTA ${name}`;
    case 'proxy':
      return `Cloud Proxy ${name}`;
    case 'vip':
      return 'VIP (public balancer)';
    case 'dns':
      return 'public DNS';
    case 'tls-box':
      return 'TLS-terminating box';
    case 'cloud-esx':
      return 'cloud ESXi (internal balancer)';
    case 'cloud-vrs':
      return 'cloud vRS';
    default:
      return id;
  }
}

const onPremises = (id: string) => id.startsWith('esx:') || id.startsWith('vcta:');
const ORDER = ['esx', 'vcta', 'dns', 'tls-box', 'vip', 'proxy', 'cloud-vrs', 'cloud-esx'];
const rank = (id: string) => ORDER.indexOf(id.includes(':') ? id.slice(0, id.indexOf(':')) : id);

function messagesOf(step1: number, e: TunnelEmitted, failing: boolean): Message[] {
  const m = (
    from: string,
    to: string,
    text: string,
    kind: Message['kind'],
    ok = true,
  ): Message => ({
    step: step1,
    from,
    to,
    text,
    kind,
    ok,
    failing,
  });
  switch (e.kind) {
    case 'attempt': {
      const what = `${e.purpose}${e.name ? ` to ${e.name}` : ''}:${e.port}`;
      const tls = e.tls
        ? e.tls.ok
          ? `, TLS ok (${e.tls.certificate.cn})`
          : `, TLS refused: ${e.tls.error?.code ?? 'error'}`
        : '';
      const out: Message[] = [
        m(
          e.from,
          e.to,
          `${what}${e.ok ? ' connected' : ` failed: ${e.reason}`}${tls}`,
          'dial',
          e.ok,
        ),
      ];
      // A connection to the VIP goes on to the proxy the balancer chose.
      if (e.to === 'vip' && e.landed !== null)
        out.push(
          m(
            'vip',
            `proxy:${e.landed}`,
            e.ok ? e.reason : `forwards it to ${e.landed}`,
            'over',
            e.ok,
          ),
        );
      return out;
    }
    case 'message':
      return [
        m(
          e.from,
          e.to,
          e.over === 'control' && e.to.startsWith('vcta:')
            ? `over the control connection: ${e.text}`
            : e.text,
          e.from === e.to ? 'note' : 'over',
        ),
      ];
    case 'stitched':
      return [
        m(
          `proxy:${e.proxy}`,
          `proxy:${e.proxy}`,
          e.session === e.request
            ? `stitches ${e.request}`
            : `stitches ${e.request}'s reverse connection to session ${e.session}`,
          'note',
        ),
      ];
    case 'stitch-refused':
      return [
        m('cloud-esx', 'cloud-esx', `stitch of ${e.request} refused: ${e.reason}`, 'note', false),
      ];
    case 'dropped':
      return [m(e.at, e.at, `loses the ${e.what}`, 'note', false)];
  }
}

/** Where a step with nothing to show is noted: whom its event names. */
function subjectOf(e: TunnelEvent, setup: TunnelSetup): string {
  if ('tenant' in e) return `vcta:${e.tenant}`;
  if ('proxy' in e) return `proxy:${e.proxy}`;
  if (e.type === 'CertificateReplace')
    return e.target.startsWith('(') ? 'vip' : `proxy:${e.target}`;
  if ('host' in e) return `esx:${e.host}`;
  const tenant = setup.tenants[0]?.name ?? '?';
  return `vcta:${tenant}`;
}

export function tunnelSequence(rec: CounterexampleRecord): Sequence {
  const setup = rec.setup as TunnelSetup;
  const variant = variantByName(rec.variant) ?? CORRECT;
  let s = init(setup, variant);
  const messages: Message[] = [];
  rec.events.forEach((raw, i) => {
    const e = raw as TunnelEvent;
    const r = step(s, e);
    const failing = i + 1 === rec.violation.step;
    const own = r.emitted.flatMap((x) => messagesOf(i + 1, x, failing));
    if (own.length === 0) {
      const who = subjectOf(e, setup);
      messages.push({
        step: i + 1,
        from: who,
        to: who,
        text: `${formatTunnelEvent(e)}${r.refused ? ` (refused: ${r.refused})` : ''}`,
        kind: 'note',
        ok: !r.refused,
        failing,
      });
    } else messages.push(...own);
    s = r.state;
  });
  const seen = [...new Set(messages.flatMap((x) => [x.from, x.to]))].sort(
    (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  if (seen.length === 0) seen.push(`vcta:${setup.tenants[0]?.name ?? '?'}`);
  return {
    onPremises: seen.filter(onPremises),
    provider: seen.filter((x) => !onPremises(x)),
    messages,
  };
}

/** The sequence as Mermaid: on-premises and provider boxes; the failing step in red. */
export function tunnelMermaid(rec: CounterexampleRecord): string {
  const seq = tunnelSequence(rec);
  const all = [...seq.onPremises, ...seq.provider];
  const id = (p: string) => `P${all.indexOf(p)}`;
  const lines = ['sequenceDiagram'];
  const box = (title: string, ps: readonly string[]) => {
    if (ps.length === 0) return;
    lines.push(`  box ${mermaidText(title)}`);
    for (const p of ps)
      lines.push(`    participant ${id(p)} as ${mermaidText(participantLabel(p))}`);
    lines.push('  end');
  };
  box('On premises', seq.onPremises);
  box('Provider', seq.provider);
  const v = rec.violation;
  if (seq.messages.length === 0)
    lines.push(
      `  Note over ${id(all[0] as string)}: ${mermaidText(`${v.invariant} fails in the layout as given`)}`,
    );
  let open = false;
  for (const x of seq.messages) {
    if (x.failing && !open) {
      lines.push('  rect rgb(255, 221, 221)');
      open = true;
    }
    if (!x.failing && open) {
      lines.push('  end');
      open = false;
    }
    const text = mermaidText(
      `${x.step}. ${x.text}${x.failing ? ` (${v.invariant} violated here)` : ''}`,
    );
    const arrow = x.kind === 'dial' ? (x.ok ? '->>' : '-x') : x.ok ? '-->>' : '--x';
    lines.push(
      x.kind === 'note' || x.from === x.to
        ? `  Note over ${id(x.from)}: ${text}`
        : `  ${id(x.from)}${arrow}${id(x.to)}: ${text}`,
    );
  }
  if (open) lines.push('  end');
  return lines.join('\n');
}

const COL = 150;
const HEAD = 62;
const ROW = 30;
const LEFT = 36;
const MAX_LABEL = 140;
/** Roughly how wide 12px system-ui text is per character. */
const CHAR = 6.4;

/** A participant's label in at most two lines of the header box. */
function headLines(p: string): string[] {
  const label = participantLabel(p);
  if (label.length <= 20) return [label];
  const cut = label.lastIndexOf(' ', 20);
  return cut > 0 ? [label.slice(0, cut), label.slice(cut + 1)] : [label];
}

/** The sequence as a self-contained SVG string: every text escaped; the failing step red. */
export function tunnelSvg(rec: CounterexampleRecord): string {
  const seq = tunnelSequence(rec);
  const all = [...seq.onPremises, ...seq.provider];
  const x = (p: string) => LEFT + all.indexOf(p) * COL + COL / 2;
  const esc = escapeHtml;
  const label = (m: Message) => {
    const full = `${m.step}. ${m.text}${m.failing ? ` (${rec.violation.invariant} violated here)` : ''}`;
    return { full, shown: full.length > MAX_LABEL ? `${full.slice(0, MAX_LABEL - 1)}…` : full };
  };
  const startOf = (m: Message) =>
    m.kind === 'note' || m.from === m.to ? x(m.from) - 2 : Math.min(x(m.from), x(m.to)) + 6;
  // Wide enough for the lanes and for every label, so nothing is cut at the right edge.
  const width = Math.ceil(
    Math.max(
      LEFT + all.length * COL + 16,
      ...seq.messages.map((m) => startOf(m) + label(m).shown.length * CHAR + 16),
    ),
  );
  const height = HEAD + Math.max(1, seq.messages.length) * ROW + 24;
  const parts: string[] = [];
  const split = LEFT + seq.onPremises.length * COL;
  if (seq.onPremises.length > 0)
    parts.push(
      `<rect x="${LEFT}" y="2" width="${seq.onPremises.length * COL}" height="${height - 4}" fill="#f1f8ff" stroke="#9ecbff" stroke-dasharray="4 3"/><text x="${LEFT + 6}" y="14" class="lbl">on premises</text>`,
      `<line x1="${split}" y1="2" x2="${split}" y2="${height - 2}" stroke="#0969da" stroke-width="2"><title>the tenant perimeter: connections out only</title></line><text x="${split + 6}" y="14" class="lbl">provider</text>`,
    );
  for (const p of all) {
    const cx = x(p);
    const ls = headLines(p);
    const texts = ls
      .map(
        (l, i) =>
          `<text x="${cx}" y="${(ls.length === 1 ? 41 : 35) + i * 14}" text-anchor="middle">${esc(l)}</text>`,
      )
      .join('');
    parts.push(
      `<rect x="${cx - COL / 2 + 6}" y="20" width="${COL - 12}" height="36" rx="4" fill="#ffffff" stroke="#59636e"/>${texts}`,
      `<line x1="${cx}" y1="56" x2="${cx}" y2="${height - 8}" stroke="#afb8c1" stroke-dasharray="3 3"/>`,
    );
  }
  seq.messages.forEach((m, i) => {
    const y = HEAD + i * ROW + ROW / 2;
    const color = m.failing ? '#cf222e' : m.ok ? '#0969da' : '#9a6700';
    const { full, shown } = label(m);
    if (m.failing)
      parts.push(
        `<rect x="0" y="${y - ROW / 2}" width="${width}" height="${ROW}" fill="#ffebe9"/>`,
      );
    parts.push(`<text x="4" y="${y + 4}" class="lbl">${m.step}</text>`);
    if (m.kind === 'note' || m.from === m.to) {
      const cx = startOf(m);
      parts.push(
        `<g class="note${m.failing ? ' failing' : ''}"><title>${esc(full)}</title><rect x="${cx - 6}" y="${y - 9}" width="${shown.length * CHAR + 12}" height="18" fill="#fff8c5" stroke="${color}"/><text x="${cx}" y="${y + 4}" fill="${color}">${esc(shown)}</text></g>`,
      );
      return;
    }
    const x1 = x(m.from);
    const x2 = x(m.to);
    const dir = x2 > x1 ? 1 : -1;
    const head = `${x2},${y} ${x2 - dir * 8},${y - 4} ${x2 - dir * 8},${y + 4}`;
    parts.push(
      `<g class="message${m.failing ? ' failing' : ''}"><title>${esc(full)}</title><line x1="${x1}" y1="${y}" x2="${x2 - dir * 6}" y2="${y}" stroke="${color}" stroke-width="${m.kind === 'dial' ? 2 : 1.5}"${m.kind === 'dial' ? '' : ' stroke-dasharray="5 3"'}/><polygon points="${head}" fill="${color}"/>${m.ok ? '' : `<text x="${x2 - dir * 14}" y="${y + 4}" fill="${color}" font-weight="700" text-anchor="middle">×</text>`}<text x="${startOf(m)}" y="${y - 4}" fill="${color}">${esc(shown)}</text></g>`,
    );
  });
  return `<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`who dialled whom in ${rec.id}`)}">${parts.join('')}</svg>`;
}
