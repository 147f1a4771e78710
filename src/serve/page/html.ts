/**
 * The web page at `/`: static HTML whose script (`/assets/app.js`) asks `GET /v1/config` what
 * the server offers and shows only that (describe when an LLM is configured, search when a
 * store is). Everything it loads comes from this server: no CDN.
 */
export const PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zeroclip</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header>
  <h1>zeroclip</h1>
  <span id="model" class="muted"></span>
  <span id="status" class="pill">connecting…</span>
  <a href="/docs" class="right">API docs</a>
</header>
<noscript><p>This page needs JavaScript.</p></noscript>
<section id="key-box" class="panel warn" hidden>
  <label>This server needs an API key:
    <input id="api-key" type="password" autocomplete="off" size="32"></label>
  <button id="key-save" type="button">Use key</button>
  <span class="muted">Kept in this tab only (sessionStorage).</span>
</section>
<main>
  <div class="columns">
    <section id="images-panel" class="panel">
      <h2>1. Images</h2>
      <div id="drop" tabindex="0" role="button" aria-label="Drop, paste or pick images">
        Drop images here, paste one (Ctrl+V), or
        <label class="link">pick files<input type="file" id="file-input" accept="image/*" multiple hidden></label>
      </div>
      <form id="url-form" class="row">
        <input id="url-input" type="url" placeholder="or an image URL: https://…/photo.jpg">
        <button type="submit">Add URL</button>
      </form>
      <p id="url-note" class="muted" hidden>URL inputs are turned off on this server.</p>
      <ul id="image-list" class="thumbs"></ul>
    </section>
    <section id="classes-panel" class="panel">
      <h2>2. Classes</h2>
      <textarea id="labels" rows="4" placeholder="tree frog, tailed frog (comma-separated or one per line)"></textarea>
      <div class="row">
        <select id="classnames-preset" hidden><option value="">Load a class list…</option></select>
        <label class="link">load a class list file<input type="file" id="classnames-file" accept=".json,.txt" hidden></label>
        <select id="classnames-key" hidden></select>
      </div>
      <p id="fixed-labels" class="muted" hidden></p>
    </section>
    <section id="prompts-panel" class="panel">
      <h2>3. Prompts</h2>
      <div class="strategy">
        <label><input type="radio" name="strategy" value="single" checked> One template</label>
        <input id="template" type="text" value="a photo of a {}." size="30">
      </div>
      <div class="strategy">
        <label><input type="radio" name="strategy" value="ensemble"> An ensemble of templates</label>
        <textarea id="ensemble" rows="4">a photo of a {}.
a blurry photo of a {}.
a close-up photo of a {}.
a drawing of a {}.
a photo of the large {}.
a photo of the small {}.</textarea>
        <div class="row">
          <select id="templates-preset" hidden><option value="">Load a template set…</option></select>
          <label class="link">load a templates file<input type="file" id="templates-file" accept=".json" hidden></label>
          <select id="templates-key" hidden></select>
        </div>
      </div>
      <div class="strategy">
        <label><input type="radio" name="strategy" value="descriptions"> A descriptions file (CuPL JSON)</label>
        <input type="file" id="descriptions-file" accept=".json">
        <span id="descriptions-info" class="muted"></span>
      </div>
      <div class="strategy" id="llm-strategy" hidden>
        <label><input type="radio" name="strategy" value="llm"> Describe with the LLM
          <span id="llm-model" class="muted"></span></label>
        <label class="muted">samples per question <input id="llm-n" type="number" min="1" max="50" value="10"></label>
      </div>
      <label>Combine a class's texts by
        <select id="aggregate"><option value="normalized-mean">normalized mean</option><option value="pooled-mean">pooled mean</option></select></label>
    </section>
  </div>
  <div class="actions">
    <button id="classify" type="button" class="primary">Classify</button>
    <span id="timing" class="muted"></span>
  </div>
  <p id="message" role="status"></p>
  <section id="results"></section>
  <section id="texts" class="panel" hidden>
    <h2>The texts behind each class</h2>
    <div id="texts-list"></div>
  </section>
  <!-- Search over the store: shown only when GET /v1/config lists the "search" feature. -->
  <section id="search" class="panel" hidden>
    <h2>Search the store</h2>
    <form id="search-form" class="row">
      <input id="search-text" type="text" placeholder="a photo of a dog">
      <button type="submit">Search</button>
    </form>
    <div id="search-results" class="grid"></div>
  </section>
</main>
<script src="/assets/chart.umd.js"></script>
<script src="/assets/app.js"></script>
</body>
</html>
`;
