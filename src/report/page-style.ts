// The report page's stylesheet (inlined: the page needs no network).
export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6675; --line: #d9dee5; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 860px; margin: 0 auto; padding: 16px 20px; }
h1 { font-size: 20px; margin: 8px 0 12px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-all; }
.status-ok h1::after { content: " \\2713"; color: #2e7d32; }
.status-interrupted h1::after, .status-failed-events h1::after, .status-error h1::after { content: " \\26A0"; color: #c62828; }
.hint { color: var(--muted); margin: 0 0 8px; }
.empty { color: var(--muted); font-style: italic; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: var(--muted); }
.chart .legend, .chart .axis-label { fill: var(--ink); font-size: 12px; }
.chart .segment-text { fill: #fff; font-size: 11px; }
.grid line { stroke: var(--line); }
.grid line.minor { stroke-dasharray: 2 3; }
.toggle { margin-bottom: 6px; }
.toggle button { font: inherit; border: 1px solid var(--line); background: #fff; padding: 2px 10px; cursor: pointer; }
.toggle button:first-child { border-radius: 4px 0 0 4px; }
.toggle button:last-child { border-radius: 0 4px 4px 0; }
.toggle button[aria-pressed="true"] { background: var(--ink); color: #fff; }
table.workers { border-collapse: collapse; margin-top: 8px; width: 100%; }
table.workers th, table.workers td { text-align: right; padding: 3px 8px; border-bottom: 1px solid var(--line); }
footer { color: var(--muted); font-size: 12px; }
`;
