/**
 * The page script, first half: the API helper (with the key when the server asks for one),
 * the server's configuration, and the inputs (images, classes, prompt strategy). Plain ES2017
 * for the browser; user strings only ever go through `textContent`.
 */
export const SCRIPT_INPUTS = String.raw`
var state = { config: null, images: [], descriptions: null, classFile: null, templateFile: null };
var $ = function (id) { return document.getElementById(id); };

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
  if (text !== undefined) e.textContent = text;
  return e;
}

function setMessage(text, isError) {
  var m = $("message");
  m.textContent = text || "";
  m.className = isError ? "error" : "";
}

/** fetch with the API key; a 401 shows the key box. Resolves to { status, body }. */
function api(path, init) {
  init = init || {};
  var headers = init.headers || {};
  var key = sessionStorage.getItem("zeroclip-key");
  if (key) headers["Authorization"] = "Bearer " + key;
  init.headers = headers;
  return fetch(path, init).then(function (res) {
    return res.text().then(function (text) {
      var body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: { message: text } }; }
      if (res.status === 401) $("key-box").hidden = false;
      return { status: res.status, body: body };
    });
  });
}

function errorText(r) {
  return (r.body && r.body.error && r.body.error.message) || ("HTTP " + r.status);
}

function loadConfig() {
  return api("/v1/config").then(function (r) {
    if (r.status !== 200) {
      $("status").textContent = r.status === 401 ? "API key needed" : "unavailable";
      $("status").className = "pill bad";
      return;
    }
    var c = state.config = r.body;
    $("model").textContent = c.model + " (" + c.dtype + ", " + c.embedding_dim + "-d)";
    $("status").textContent = c.ready ? "ready" : "loading the model…";
    $("status").className = "pill " + (c.ready ? "ok" : "");
    $("key-box").hidden = true;
    $("url-note").hidden = c.url_inputs;
    $("url-form").hidden = !c.url_inputs;
    $("template").value = c.default_template;
    fillPresets("classnames-preset", c.presets.classnames);
    fillPresets("templates-preset", c.presets.templates);
    if (c.features.indexOf("describe") >= 0) {
      $("llm-strategy").hidden = false;
      $("llm-model").textContent = "(" + c.llm_model + ")";
    }
    if (c.features.indexOf("search") >= 0) $("search").hidden = false;
    if (!c.needs_labels && c.fixed_labels) {
      $("fixed-labels").hidden = false;
      $("fixed-labels").textContent = "This server classifies into its own classes: " + c.fixed_labels.join(", ");
    }
    if (!c.ready) setTimeout(loadConfig, 1000);
  });
}

function fillPresets(id, names) {
  var sel = $(id);
  names.forEach(function (n) { sel.appendChild(el("option", { value: n }, n)); });
  sel.hidden = names.length === 0;
}

// ---- images -------------------------------------------------------------------------------

function addFile(file) {
  if (!file || !/^image\//.test(file.type)) { setMessage((file && file.name) + " is not an image", true); return; }
  state.images.push({ name: file.name || "pasted image", file: file, thumb: URL.createObjectURL(file) });
  renderImages();
}

function addUrl(url) {
  state.images.push({ name: url, url: url, thumb: url });
  renderImages();
}

function renderImages() {
  var list = $("image-list");
  list.textContent = "";
  state.images.forEach(function (img, i) {
    var li = el("li", { title: img.name });
    li.appendChild(el("img", { src: img.thumb, alt: img.name }));
    var rm = el("button", { type: "button", "aria-label": "remove " + img.name }, "×");
    rm.addEventListener("click", function () { state.images.splice(i, 1); renderImages(); });
    li.appendChild(rm);
    list.appendChild(li);
  });
}

function wireImages() {
  var drop = $("drop");
  drop.addEventListener("click", function (e) { if (e.target === drop) $("file-input").click(); });
  drop.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") $("file-input").click(); });
  $("file-input").addEventListener("change", function (e) {
    Array.prototype.forEach.call(e.target.files, addFile);
    e.target.value = "";
  });
  ["dragenter", "dragover"].forEach(function (t) {
    document.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    document.addEventListener(t, function () { drop.classList.remove("over"); });
  });
  document.addEventListener("drop", function (e) {
    e.preventDefault();
    var dt = e.dataTransfer;
    if (dt.files && dt.files.length > 0) Array.prototype.forEach.call(dt.files, addFile);
    else {
      var url = dt.getData("text/uri-list") || dt.getData("text/plain");
      if (/^https?:\/\//i.test(url)) addUrl(url.trim());
    }
  });
  document.addEventListener("paste", function (e) {
    var items = (e.clipboardData && e.clipboardData.items) || [];
    Array.prototype.forEach.call(items, function (it) {
      if (it.kind === "file" && /^image\//.test(it.type)) addFile(it.getAsFile());
    });
  });
  $("url-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var url = $("url-input").value.trim();
    if (url) { addUrl(url); $("url-input").value = ""; }
  });
}

// ---- class lists and template sets ----------------------------------------------------------

function parseLabels(text) {
  var parts = text.indexOf("\n") >= 0 ? text.split(/\r?\n/) : text.split(",");
  return parts.map(function (s) { return s.trim(); }).filter(function (s) { return s !== ""; });
}

/** A class-list or template file: a JSON list, a {dataset: list} map, an {id: name} map, or lines. */
function listsFromFile(text) {
  var t = text.trim();
  if (t[0] === "[" || t[0] === "{") {
    var json = JSON.parse(t);
    if (Array.isArray(json)) return { "": json.map(String) };
    var vals = Object.keys(json).map(function (k) { return json[k]; });
    if (vals.every(function (v) { return typeof v === "string"; })) return { "": vals };
    var out = {};
    Object.keys(json).forEach(function (k) { if (Array.isArray(json[k])) out[k] = json[k].map(String); });
    return out;
  }
  return { "": t.split(/\r?\n/).map(function (s) { return s.trim(); }).filter(function (s) { return s && s[0] !== "#"; }) };
}

function wireListFile(fileId, keyId, apply) {
  $(fileId).addEventListener("change", function (e) {
    var f = e.target.files[0];
    if (!f) return;
    f.text().then(function (text) {
      var lists;
      try { lists = listsFromFile(text); } catch (err) { setMessage(f.name + ": " + err.message, true); return; }
      var keys = Object.keys(lists);
      var sel = $(keyId);
      sel.textContent = "";
      if (keys.length === 1) { sel.hidden = true; apply(lists[keys[0]]); return; }
      sel.appendChild(el("option", { value: "" }, "pick one of " + keys.length + " sets…"));
      keys.forEach(function (k) { sel.appendChild(el("option", { value: k }, k + " (" + lists[k].length + ")")); });
      sel.hidden = false;
      sel.onchange = function () { if (sel.value) apply(lists[sel.value]); };
    });
  });
}

function wirePreset(selectId, kind, apply) {
  $(selectId).addEventListener("change", function (e) {
    var name = e.target.value;
    if (!name) return;
    api("/v1/presets/" + kind + "/" + encodeURIComponent(name)).then(function (r) {
      if (r.status === 200) apply(r.body.items); else setMessage(errorText(r), true);
    });
  });
}

function wireClassesAndPrompts() {
  var setLabels = function (names) { $("labels").value = names.join("\n"); };
  var setEnsemble = function (ts) {
    $("ensemble").value = ts.join("\n");
    document.querySelector("input[name=strategy][value=ensemble]").checked = true;
  };
  wireListFile("classnames-file", "classnames-key", setLabels);
  wireListFile("templates-file", "templates-key", setEnsemble);
  wirePreset("classnames-preset", "classnames", setLabels);
  wirePreset("templates-preset", "templates", setEnsemble);
  $("descriptions-file").addEventListener("change", function (e) {
    var f = e.target.files[0];
    if (!f) return;
    f.text().then(function (text) {
      try {
        var d = JSON.parse(text);
        if (!d || typeof d !== "object" || Array.isArray(d)) throw new Error("expected {\"class\": [\"sentence\", …]}");
        state.descriptions = d;
        $("descriptions-info").textContent = Object.keys(d).length + " classes";
        document.querySelector("input[name=strategy][value=descriptions]").checked = true;
      } catch (err) { setMessage(f.name + ": " + err.message, true); }
    });
  });
  $("key-save").addEventListener("click", function () {
    sessionStorage.setItem("zeroclip-key", $("api-key").value.trim());
    $("api-key").value = "";
    loadConfig();
  });
}

function strategy() { return document.querySelector("input[name=strategy]:checked").value; }
`;
