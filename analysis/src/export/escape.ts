// Everything from a trace is untrusted text: guest names, hostnames, error messages may hold markup or
// delimiters. Each output format escapes at the point of writing, with the helper for that format.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c] as string);
}

/**
 * A Markdown table cell: pipes and newlines would break the table, backslash-escaped punctuation keeps
 * emphasis/links from forming, and <, >, & become entities because Markdown passes raw HTML through.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replace(/\r?\n|\r/g, ' ');
}

/**
 * Running Markdown text. Only what can form markup is escaped: emphasis (* _ ~), code (`), links and
 * images ([ ]), table pipes, backslashes, and a leading # (heading).
 */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/^#/, '\\#')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * An RFC 4180 CSV field. Text starting with = + - @ or a tab is prefixed with ' so spreadsheets do not run
 * it as a formula (CSV injection); numbers are written as numbers.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const LATEX: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  _: '\\_',
  '%': '\\%',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  // A cell starting with [ after \\ would be read as the row's optional argument; < > | are not in OT1.
  '[': '{[}',
  ']': '{]}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
};

/** LaTeX text (a table cell, a caption). One pass, so the backslashes it inserts are not escaped again. */
export function escapeLatex(text: string): string {
  return text.replace(/[\\{}$&#_%~^[\]<>|]/g, (c) => LATEX[c] as string).replace(/\r?\n|\r/g, ' ');
}
