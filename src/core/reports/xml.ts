// Escaping for the XML and HTML reports.

/** XML attribute/text escaping (hand-written: five replacements are not worth a dependency). */
export function escapeXml(text: unknown): string {
  return String(text ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
