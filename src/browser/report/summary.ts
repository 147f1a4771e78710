/** The report's header line and its summary table (best value of each metric in bold). */
import { byId, el } from "../dom.js";
import { METRICS, type MetricKey, type ReportPageData } from "./data.js";
import { color, pct } from "./format.js";

export function drawMeta(data: ReportPageData): void {
  const meta: string[] = [];
  if (data.dataset) meta.push(`dataset ${data.dataset}`);
  if (data.model) meta.push(`model ${data.model}`);
  meta.push(`${data.classes.length} classes`);
  meta.push(`${data.images.evaluated} images scored`);
  meta.push(`${data.images.failed} failed`);
  meta.push(`generated ${data.generated}`);
  byId("meta").textContent = meta.join(" · ");
}

export function drawSummary(data: ReportPageData): void {
  const best = {} as Record<MetricKey, number | null>;
  for (const [key] of METRICS) {
    const vals = data.strategies.map((s) => s[key]).filter((v): v is number => v !== null);
    best[key] = vals.length ? Math.max(...vals) : null;
  }
  const table = el("table", { class: "summary", id: "summary-metrics" });
  const head = el("tr");
  const columns = ["strategy", "prompts", ...METRICS.map((m) => m[1]), "images", "texts"];
  for (const h of columns) head.appendChild(el("th", null, h));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  data.strategies.forEach((s, i) => {
    const tr = el("tr", { "data-strategy": s.name });
    const name = el("td");
    name.appendChild(el("span", { class: "swatch", style: `background:${color(i)}` }));
    name.appendChild(document.createTextNode(s.name));
    tr.appendChild(name);
    tr.appendChild(el("td", { class: "spec" }, s.spec));
    for (const [key] of METRICS) {
      const v = s[key];
      const isBest = v !== null && data.strategies.length > 1 && v === best[key];
      tr.appendChild(
        el("td", { class: `num${isBest ? " best" : ""}`, "data-metric": key }, pct(v, 2)),
      );
    }
    tr.appendChild(el("td", { class: "num" }, String(s.count)));
    tr.appendChild(el("td", { class: "num" }, String(s.texts)));
    body.appendChild(tr);
  });
  byId("summary-table").appendChild(table);
}
