/**
 * The page script, second half: classify (after describing with the LLM when that strategy is
 * chosen), draw one Chart.js bar chart per image, list the texts behind each class, time it;
 * and the search box, wired only when the server has a store.
 */
export const SCRIPT_RESULTS = String.raw`
var charts = [];
/** The most bars drawn per image (probabilities are over all classes). */
var TOP_K = 10;

function templatesFor(strat) {
  if (strat === "single") return [$("template").value.trim()];
  if (strat === "ensemble") return $("ensemble").value.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(Boolean);
  return [];
}

function describeFirst(labels) {
  var t = performance.now();
  var n = Number($("llm-n").value) || 10;
  setMessage("asking the LLM to describe " + labels.length + " classes…");
  return api("/v1/describe", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ labels: labels, n: n }),
  }).then(function (r) {
    if (r.status !== 200) throw new Error("describe: " + errorText(r));
    var b = r.body;
    var note = "described " + Object.keys(b.descriptions).length + " classes in " + Math.round(performance.now() - t) +
      " ms (" + b.requests + " LLM requests, " + b.cached_answers + " answers cached)";
    if (b.failures.length > 0) note += "; failed: " + b.failures.map(function (f) { return f.label; }).join(", ");
    return { descriptions: b.descriptions, note: note };
  });
}

function classifyClick() {
  var labels = parseLabels($("labels").value);
  var images = state.images.slice();
  var strat = strategy();
  if (images.length === 0) { setMessage("add an image first", true); return; }
  if (state.config && state.config.needs_labels && labels.length === 0) { setMessage("type some class names", true); return; }
  if (strat === "descriptions" && !state.descriptions) { setMessage("pick a descriptions file", true); return; }
  var button = $("classify");
  button.disabled = true;
  $("timing").textContent = "";
  var start = performance.now();
  var pre = strat === "llm" ? describeFirst(labels)
    : Promise.resolve({ descriptions: strat === "descriptions" ? state.descriptions : null, note: "" });
  pre.then(function (p) {
    setMessage("classifying " + images.length + " image" + (images.length > 1 ? "s" : "") + "…");
    var form = new FormData();
    images.forEach(function (img) {
      if (img.file) form.append("image", img.file, img.name); else form.append("image", img.url);
    });
    if (labels.length > 0) form.append("labels", JSON.stringify(labels));
    var ts = templatesFor(strat);
    if (ts.length > 0) form.append("templates", JSON.stringify(ts));
    if (p.descriptions) {
      var d = {};
      labels.forEach(function (l) { if (Object.prototype.hasOwnProperty.call(p.descriptions, l)) d[l] = p.descriptions[l]; });
      form.append("descriptions", JSON.stringify(d));
      form.append("allow_missing", "true");
    }
    form.append("aggregate", $("aggregate").value);
    form.append("top_k", String(TOP_K));
    form.append("explain", "3");
    form.append("include_texts", "true");
    var t = performance.now();
    return api("/v1/classify", { method: "POST", body: form }).then(function (r) {
      if (r.status !== 200) throw new Error(errorText(r));
      renderResults(r.body, images);
      var failed = r.body.results.filter(function (x) { return x.error; }).length;
      setMessage((p.note ? p.note + "; " : "") + "classified " + (images.length - failed) + " of " + images.length +
        " images" + (failed ? " (" + failed + " failed)" : ""));
      $("timing").textContent = "classify " + Math.round(performance.now() - t) + " ms · total " +
        Math.round(performance.now() - start) + " ms";
    });
  }).catch(function (err) {
    setMessage(err.message, true);
  }).then(function () { button.disabled = false; });
}

function renderResults(body, images) {
  charts.forEach(function (c) { c.destroy(); });
  charts = [];
  var box = $("results");
  box.textContent = "";
  body.results.forEach(function (r, i) {
    var img = images[i];
    var card = el("article", { class: "result", "data-index": i, "data-name": img.name });
    card.appendChild(el("div", { class: "name" }, img.name));
    card.appendChild(el("img", { src: img.thumb, alt: img.name }));
    box.appendChild(card);
    if (r.error) { card.appendChild(el("div", { class: "error" }, r.error)); return; }
    var wrap = el("div", { class: "bars" });
    wrap.style.height = 22 * r.predictions.length + 36 + "px";
    // SigLIP's scores are one sigmoid per label: say so, the bars need not add up to 100%.
    var sigmoid = state.config && state.config.scoring === "sigmoid";
    var canvas = el("canvas", { "aria-label": (sigmoid ? "per-label probabilities for " : "class probabilities for ") + img.name });
    wrap.appendChild(canvas);
    card.appendChild(wrap);
    card.appendChild(el("div", { class: "score-note" }, sigmoid
      ? "each label scored on its own (sigmoid): scores need not sum to 100%"
      : "probabilities over these labels (softmax): they sum to 100%"));
    charts.push(new Chart(canvas, {
      type: "bar",
      data: {
        labels: r.predictions.map(function (x) { return x.label; }),
        datasets: [{ data: r.predictions.map(function (x) { return x.score; }), backgroundColor: "#4e79a7" }],
      },
      options: {
        indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { min: 0, max: 1, ticks: { callback: function (v) { return Math.round(v * 100) + "%"; } } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return (c.raw * 100).toFixed(2) + "%"; } } },
        },
      },
    }));
    // Under the bars: each label's closest texts (explain), with their cosines.
    var why = el("ul", { class: "explanations" });
    r.predictions.forEach(function (p) {
      if (!p.explanation || p.explanation.length === 0) return;
      var li = el("li", null, p.label + ": ");
      p.explanation.forEach(function (e, j) {
        li.appendChild(el("q", null, e.text));
        li.appendChild(document.createTextNode(" " + e.cosine.toFixed(3) + (j + 1 < p.explanation.length ? "; " : "")));
      });
      why.appendChild(li);
    });
    if (why.childNodes.length > 0) card.appendChild(why);
  });
  var list = $("texts-list");
  list.textContent = "";
  (body.classes || []).forEach(function (c, i) {
    var d = el("details");
    if (i === 0) d.open = true;
    d.appendChild(el("summary", null, c.label + " (" + c.texts.length + " text" + (c.texts.length === 1 ? "" : "s") + ")"));
    var ul = el("ul");
    c.texts.forEach(function (t) { ul.appendChild(el("li", null, t)); });
    d.appendChild(ul);
    list.appendChild(d);
  });
  $("texts").hidden = !body.classes || body.classes.length === 0;
}

/** The search box: POST /v1/search {text, k, thumbnails}; each hit with its thumbnail when it has one. */
function wireSearch() {
  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("search-text").value.trim();
    if (!text) return;
    api("/v1/search", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: text, k: 24, thumbnails: true }),
    }).then(function (r) {
      var grid = $("search-results");
      grid.textContent = "";
      if (r.status !== 200) { setMessage(errorText(r), true); return; }
      (r.body.results || []).forEach(function (hit) {
        var fig = el("figure");
        if (hit.thumbnail) fig.appendChild(el("img", { src: hit.thumbnail, alt: "" }));
        var name = hit.input || "";
        fig.appendChild(el("figcaption", null, name + (typeof hit.score === "number" ? " · " + hit.score.toFixed(3) : "")));
        grid.appendChild(fig);
      });
    });
  });
}

wireImages();
wireClassesAndPrompts();
wireSearch();
$("classify").addEventListener("click", classifyClick);
loadConfig();
`;
