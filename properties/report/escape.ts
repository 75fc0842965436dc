// Every text that reaches a report comes from the model, the events or a setup someone typed:
// host names, VM names, messages. Each output format gets one escape function, used for all of
// it, so a host named `<img src=x onerror=...>` is shown, never run.

const HTML: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in HTML text and in quoted attribute values alike. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/** XML 1.0 text and attributes: the HTML escapes, minus the control characters XML forbids. */
export function escapeXml(text: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return escapeHtml(text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** One Markdown table cell: no line breaks, no column breaks, no inline HTML. */
export function mdCell(text: unknown): string {
  return String(text)
    .replace(/[&<>]/g, (c) => HTML[c] ?? c)
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block whose fence is longer than any run of backticks inside it. */
export function mdFence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

const MERMAID: Readonly<Record<string, string>> = {
  '#': '#35;',
  ';': '#59;',
  '%': '#37;',
  '<': '#lt;',
  '>': '#gt;',
  '`': '#96;',
  '"': '#quot;',
};

/**
 * Mermaid label text: one line, with the characters Mermaid reads as syntax (statement
 * separators, comments, HTML, quotes) written as its entity codes, in one pass so that no
 * code is escaped twice.
 */
export function mermaidText(text: unknown): string {
  return String(text)
    .replace(/\r?\n/g, ' ')
    .replace(/[#;%<>`"]/g, (c) => MERMAID[c] ?? c);
}
