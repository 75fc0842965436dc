// What admins really paste, made plain text: the bytes of a file decoded whatever wrote them
// (UTF-8 with or without a BOM, UTF-16LE from PowerShell's `>`, UTF-16BE), line ends made `\n`
// (CRLF from Windows, a lone CR from old Mac tools and some terminals), and the terminal's
// escape sequences (colours, window titles) taken out. Pure: bytes in, text out.

/** True iff the bytes look like UTF-16LE without a BOM: ASCII text with a zero after each byte. */
function looksUtf16le(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512) & ~1;
  if (n < 4) return false;
  for (let i = 1; i < n; i += 2) if (b[i] !== 0 || b[i - 1] === 0) return false;
  return true;
}

/** The text of a file's bytes: UTF-8 (BOM dropped), or UTF-16 by its BOM or its zero bytes. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (looksUtf16le(bytes)) return new TextDecoder('utf-16le').decode(bytes);
  // TextDecoder drops a UTF-8 BOM by default.
  return new TextDecoder('utf-8').decode(bytes);
}

// CSI (colours, cursor moves: ESC [ ... letter), OSC (window titles: ESC ] ... BEL or ESC \),
// and the two-byte forms (ESC ( B and the like).
const ESCAPES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what it matches
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()#][0-9A-Za-z]|\x1b[=>78]/g;

/** One form for every paste: `\n` line ends, no BOM, no terminal escape sequences. */
export function plainText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(ESCAPES, '');
}
