/** Tables for a terminal and for docs/performance.md alike: Markdown pipe tables, columns padded. */
export type Cell = string | number | undefined;
export type Row = Record<string, Cell>;

const format = (value: Cell): string => {
  if (value === undefined) return '—';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '—';
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
  }
  return value;
};

const numeric = (value: Cell) => typeof value === 'number';

export function renderTable(rows: readonly Row[], columns: readonly string[] = Object.keys(rows[0] ?? {})): string {
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const alignRight = columns.map((column) => rows.some((row) => numeric(row[column])));
  const pad = (text: string, i: number) => (alignRight[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0));
  const line = (parts: string[]) => `| ${parts.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (alignRight[i] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line([...columns]), rule, ...cells.map(line)].join('\n');
}

export function printTable(title: string, rows: readonly Row[], columns?: readonly string[]): void {
  console.log(`\n### ${title}\n`);
  console.log(rows.length > 0 ? renderTable(rows, columns) : '(no rows)');
}

export function note(text: string): void {
  console.log(`\n${text}`);
}
