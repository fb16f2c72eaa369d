import { formatCount, formatDuration, formatRatio } from './format.js';
import type { CaseResult } from './types.js';
import { describeTarget } from './verdict.js';

type Align = 'left' | 'right';

interface Column {
  readonly header: string;
  readonly align: Align;
  readonly cell: (result: CaseResult) => string;
}

const COLUMNS: readonly Column[] = [
  { header: 'setting', align: 'left', cell: (r) => r.setting },
  { header: 'case', align: 'left', cell: (r) => r.label },
  { header: 'annals ev/s', align: 'right', cell: (r) => formatCount(r.annals.eventsPerSecond) },
  { header: 'raw ev/s', align: 'right', cell: (r) => formatCount(r.raw.eventsPerSecond) },
  { header: 'ratio', align: 'right', cell: (r) => formatRatio(r.ratio) },
  {
    header: 'pairs p50 [p10–p90]',
    align: 'right',
    cell: ({ pairRatio: p }) => `${formatRatio(p.p50)} [${formatRatio(p.p10)}–${formatRatio(p.p90)}]`,
  },
  { header: 'annals p50', align: 'right', cell: (r) => formatDuration(r.annals.p50Ns) },
  { header: 'annals p99', align: 'right', cell: (r) => formatDuration(r.annals.p99Ns) },
  { header: 'raw p50', align: 'right', cell: (r) => formatDuration(r.raw.p50Ns) },
  { header: 'raw p99', align: 'right', cell: (r) => formatDuration(r.raw.p99Ns) },
  { header: 'ops', align: 'right', cell: (r) => formatCount(r.annals.operations) },
  { header: 'target', align: 'left', cell: (r) => describeTarget(r.target) },
  { header: 'result', align: 'left', cell: (r) => r.verdict },
];

/** Annals and the raw baseline side by side, one row per case, with the ratio and the verdict. */
export function renderResults(results: readonly CaseResult[]): string {
  return renderTable(
    COLUMNS.map((c) => c.header),
    results.map((r) => COLUMNS.map((c) => c.cell(r))),
    COLUMNS.map((c) => c.align),
  );
}

/** A plain-text table with a rule under the header; columns sized to their widest cell. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
