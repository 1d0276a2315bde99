// Tables for the notebooks: rows of named cells shown by Jupyter as an HTML table (and, where HTML is
// not shown, as aligned plain text). Cells are shown as given: numbers with String(), so format
// them first (toFixed, toExponential) to choose the precision.

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export type Cell = string | number | boolean;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class Table {
  readonly columns: string[];

  constructor(readonly rows: readonly Record<string, Cell>[]) {
    this.columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  }

  private cell(r: Record<string, Cell>, c: string): string {
    return r[c] === undefined ? '' : String(r[c]);
  }

  /** Aligned columns: numbers to the right, text to the left. */
  toString(): string {
    const numeric = this.columns.map((c) => this.rows.every((r) => typeof r[c] === 'number' || r[c] === undefined));
    const widths = this.columns.map((c) => Math.max([...c].length, ...this.rows.map((r) => [...this.cell(r, c)].length)));
    const pad = (s: string, i: number): string =>
      numeric[i] ? s.padStart(widths[i] + s.length - [...s].length) : s.padEnd(widths[i] + s.length - [...s].length);
    const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
    return [line(this.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...this.rows.map((r) => line(this.columns.map((c) => this.cell(r, c))))].join(
      '\n',
    );
  }

  toHtml(): string {
    const head = this.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
    const body = this.rows.map((r) => `<tr>${this.columns.map((c) => `<td>${escapeHtml(this.cell(r, c))}</td>`).join('')}</tr>`).join('\n');
    return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  }

  [JUPYTER_DISPLAY](): Record<string, string> {
    return { 'text/html': this.toHtml(), 'text/plain': this.toString() };
  }
}

/** A table of the given rows (the columns are the rows' keys, in order of first appearance). */
export function table(rows: readonly Record<string, Cell>[]): Table {
  return new Table(rows);
}
