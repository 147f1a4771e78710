/**
 * The report page's stylesheet (also used by the retrieval report). The script that draws the
 * page is TypeScript in src/browser/report/, bundled at build time (`REPORT_SCRIPT`).
 */

export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 12px 0 6px; overflow-wrap: anywhere; }
#meta, .note { color: var(--muted); margin: 0 0 8px; overflow-wrap: anywhere; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.chart { position: relative; width: 100%; max-width: 900px; }
#strategies-box { height: 300px; flex: 1 1 420px; }
table { border-collapse: collapse; }
table.summary th, table.summary td, table.failed th, table.failed td {
  border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary td.best { font-weight: 700; }
table.summary td.spec { max-width: 340px; overflow-wrap: anywhere; color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
table.heatmap { font-size: 11px; font-variant-numeric: tabular-nums; }
table.heatmap th { font-weight: 500; color: var(--muted); padding: 2px 4px; white-space: nowrap;
  max-width: 140px; overflow: hidden; text-overflow: ellipsis; }
table.heatmap thead th { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left;
  max-height: 120px; max-width: none; }
table.heatmap thead th.corner { writing-mode: horizontal-tb; transform: none; vertical-align: bottom;
  text-align: right; font-size: 10px; }
table.heatmap th.row-label { text-align: right; }
table.heatmap td.zero { color: #9aa4ae; }
table.heatmap td { min-width: 28px; height: 24px; text-align: center; border: 1px solid #fff; }
table.heatmap td.diag { outline: 1px solid #2b8a3e; outline-offset: -2px; }
.heatmap-box { overflow-x: auto; max-width: 100%; }
.pair { margin: 6px 0 12px; }
.pair .what { margin-bottom: 4px; overflow-wrap: anywhere; }
.pair .count { color: var(--muted); }
.thumbs img { width: 72px; height: 72px; margin: 0 4px 4px 0; border: 1px solid var(--line);
  border-radius: 3px; image-rendering: auto; }
.pair-list { flex: 1 1 380px; max-width: 560px; }
`;
