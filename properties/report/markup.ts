// HTML and SVG built as tagged templates: every interpolated value goes through escapeHtml
// unless it is markup built here, so names from a setup or the model are shown as text,
// never parsed as markup. The report page and every figure use it.
import { escapeHtml } from './escape.ts';

/** Markup already built by `h`: the only thing interpolated without escaping. */
export class Markup {
  constructor(readonly html: string) {}
}

function show(v: unknown): string {
  if (v instanceof Markup) return v.html;
  if (Array.isArray(v)) return v.map(show).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** Builds markup; every interpolated value is escaped unless it is markup itself. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += show(v) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** Trusted markup from a constant (a style sheet), never from data. */
export const raw = (text: string): Markup => new Markup(text);

export const NOTHING: Markup = new Markup('');

/** Coordinates rounded for a compact file; they are computed here, never read from input. */
export const n = (x: number): number => Math.round(x * 10) / 10;

/** A label cut to fit a box, whole when it fits; the full text goes in a <title>. */
export function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}
