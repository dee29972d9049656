"""The report page's stylesheet: light and dark themes (`prefers-color-scheme`), phone widths."""

from __future__ import annotations

CSS = """
:root{color-scheme:light dark;--bg:#f4f5f8;--card:#ffffff;--text:#1c2230;--muted:#5f6979;
--line:#e2e5eb;--accent:#4a63e7;--soft:#e3e8fd;--avg:#dd7a12;--over:#d3392f;--ok:#23966a;
--alert:#c98f00;--chip:#eef0f4}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#1a1f26;--text:#e7eaf0;
--muted:#9aa3b1;--line:#2b323c;--accent:#7f95ff;--soft:#283157;--avg:#f3a44f;--over:#ff6d61;
--ok:#4cc690;--alert:#f0c54a;--chip:#262c35}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 18px 40px}
header h1{font-size:1.65rem;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:1.05rem;margin:0 0 12px}
.sub,.muted,.note,.legend,footer{color:var(--muted)}
.sub{margin:0}
.note{font-size:.88rem;margin:6px 0 0}
.note.warn{color:var(--over);font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:16px 18px;
margin-top:16px;min-width:0}
.grid{display:grid;gap:16px;margin-top:16px;grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
.grid>.card{margin-top:0}
.kpis{display:grid;gap:12px;margin-top:20px;grid-template-columns:repeat(auto-fit,minmax(150px,1fr))}
.kpis .card{margin-top:0;padding:14px 16px}
.kpi .label,.budget .label{font-size:.85rem;color:var(--muted);font-weight:600}
.kpi .value{font-size:1.55rem;font-weight:700;margin-top:2px;font-variant-numeric:tabular-nums}
.kpi .note{margin-top:0}
.budgets{display:grid;gap:18px;grid-template-columns:repeat(auto-fit,minmax(220px,1fr))}
.budget .value{font-weight:650;margin:2px 0 8px;font-variant-numeric:tabular-nums}
.meter{height:10px;border-radius:6px;background:var(--soft);overflow:hidden}
.meter .fill{height:100%;border-radius:6px}
.fill.ok{background:var(--ok)}.fill.alert{background:var(--alert)}.fill.over{background:var(--over)}
svg.chart{display:block;width:100%;height:auto;margin:4px 0 2px;overflow:visible}
svg.chart.narrow-only{display:none}
.chart .bar{fill:var(--accent)}
.chart .bar.over{fill:var(--over)}
.chart .bar.peak{fill:var(--avg)}
.chart .track{fill:var(--soft)}
.chart .average{stroke:var(--avg);stroke-width:2.5;stroke-linejoin:round;stroke-linecap:round}
.chart .reference{stroke:var(--over);stroke-width:1.6;stroke-dasharray:7 5}
.chart .grid line{stroke:var(--line);stroke-width:1}
.chart text{fill:var(--muted);font-size:12px;font-family:inherit}
.chart .label,.chart .value{fill:var(--text);font-size:13px}
.chart .value{font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:.85rem;margin:6px 0 0}
.legend span{display:inline-flex;align-items:center;gap:6px}
.key{display:inline-block;width:14px;height:10px;border-radius:2px}
.key.bar{background:var(--accent)}
.key.average{height:3px;background:var(--avg)}
.key.reference{height:0;border-top:2px dashed var(--over)}
details{margin-top:10px}
summary{cursor:pointer;color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table.data{border-collapse:collapse;width:100%;font-size:.9rem;margin-top:6px}
table.data caption{text-align:left;color:var(--muted);font-size:.8rem;padding-bottom:4px}
table.data th,table.data td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
table.data th{color:var(--muted);font-weight:600;font-size:.8rem;white-space:nowrap}
table.data .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.sessions td{white-space:nowrap}
table.sessions td.notes{white-space:normal;min-width:12em;overflow-wrap:anywhere}
.project{font-weight:600;overflow-wrap:break-word;white-space:normal;max-width:16em}
.tag{display:inline-block;background:var(--chip);border-radius:10px;padding:0 8px;
margin:2px 4px 0 0;font-size:.8rem}
.tags{margin-bottom:2px}
.empty p{max-width:60ch}
code{font-size:.9em;background:var(--chip);padding:1px 5px;border-radius:4px}
footer{font-size:.82rem;margin-top:24px}
footer p{margin:4px 0}
@media (max-width:560px){
main{padding:18px 12px 32px}
.card{padding:14px 14px}
.grid{grid-template-columns:1fr}
.kpis{grid-template-columns:1fr 1fr}
.kpi .value{font-size:1.3rem}
svg.chart.wide-only{display:none}
svg.chart.narrow-only{display:block}
table.sessions thead{display:none}
table.sessions,table.sessions tbody{display:block}
table.sessions tr{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 8px;padding:10px 0;
border-bottom:1px solid var(--line)}
table.data.sessions td{display:block;border:0;padding:0;text-align:left;white-space:nowrap}
table.sessions td:first-child{flex:1 0 calc(100% - 7em);order:1;min-width:0}
table.sessions td.meta{order:3;color:var(--muted);font-size:.85rem}
table.sessions td.meta+td.meta::before{content:"· "}
table.data.sessions td.cost{order:2;font-weight:650;margin-left:auto}
table.data.sessions td.notes{order:4;flex-basis:100%;white-space:normal;min-width:0}
}
"""
