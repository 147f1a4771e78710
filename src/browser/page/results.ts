/**
 * The classify results: one card per image with a Chart.js bar chart of its top labels, a note
 * on what the scores mean (softmax over the labels, or SigLIP's one sigmoid per label), each
 * label's closest texts (explain), and the texts behind each class.
 */
import type { Chart } from "chart.js";
import { chartJs } from "../chart.js";
import { byId, el } from "../dom.js";
import { inputErrorText, type PageImage, state } from "./api.js";
import type { ClassifyResponse, Prediction } from "./types.js";

let charts: Chart[] = [];

function explanations(predictions: Prediction[]): HTMLUListElement {
  const why = el("ul", { class: "explanations" });
  for (const p of predictions) {
    if (!p.explanation || p.explanation.length === 0) continue;
    const li = el("li", null, `${p.label}: `);
    p.explanation.forEach((e, j) => {
      li.appendChild(el("q", null, e.text));
      const sep = j + 1 < (p.explanation?.length ?? 0) ? "; " : "";
      li.appendChild(document.createTextNode(` ${e.cosine.toFixed(3)}${sep}`));
    });
    why.appendChild(li);
  }
  return why;
}

function barChart(canvas: HTMLCanvasElement, predictions: Prediction[]): Chart {
  const ChartJs = chartJs();
  return new ChartJs(canvas, {
    type: "bar",
    data: {
      labels: predictions.map((x) => x.label),
      datasets: [{ data: predictions.map((x) => x.score), backgroundColor: "#4e79a7" }],
    },
    options: {
      indexAxis: "y",
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%` } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${(Number(c.raw) * 100).toFixed(2)}%` } },
      },
    },
  });
}

/** Appends one image's card to `box`, then draws into it (Chart.js measures the card's box). */
function addCard(
  box: HTMLElement,
  r: ClassifyResponse["results"][number],
  img: PageImage,
  i: number,
): void {
  const card = el("article", { class: "result", "data-index": i, "data-name": img.name });
  card.appendChild(el("div", { class: "name" }, img.name));
  card.appendChild(el("img", { src: img.thumb, alt: img.name }));
  box.appendChild(card);
  if (r.error) {
    card.appendChild(el("div", { class: "error" }, inputErrorText(r.error)));
    return;
  }
  const wrap = el("div", { class: "bars" });
  wrap.style.height = `${22 * r.predictions.length + 36}px`;
  // SigLIP's scores are one sigmoid per label: say so, the bars need not add up to 100%.
  const sigmoid = state.config?.scoring === "sigmoid";
  const what = sigmoid ? "per-label probabilities for " : "class probabilities for ";
  const canvas = el("canvas", { "aria-label": what + img.name });
  wrap.appendChild(canvas);
  card.appendChild(wrap);
  const note = sigmoid
    ? "each label scored on its own (sigmoid): scores need not sum to 100%"
    : "probabilities over these labels (softmax): they sum to 100%";
  card.appendChild(el("div", { class: "score-note" }, note));
  charts.push(barChart(canvas, r.predictions));
  // Under the bars: each label's closest texts (explain), with their cosines.
  const why = explanations(r.predictions);
  if (why.childNodes.length > 0) card.appendChild(why);
}

export function renderResults(body: ClassifyResponse, images: PageImage[]): void {
  for (const c of charts) c.destroy();
  charts = [];
  const box = byId("results");
  box.textContent = "";
  body.results.forEach((r, i) => {
    addCard(box, r, images[i], i);
  });
  const list = byId("texts-list");
  list.textContent = "";
  const classes = body.classes ?? [];
  classes.forEach((c, i) => {
    const d = el("details");
    if (i === 0) d.open = true;
    const n = c.texts.length;
    d.appendChild(el("summary", null, `${c.label} (${n} text${n === 1 ? "" : "s"})`));
    const ul = el("ul");
    for (const t of c.texts) ul.appendChild(el("li", null, t));
    d.appendChild(ul);
    list.appendChild(d);
  });
  byId("texts").hidden = classes.length === 0;
}
