/** The web page's stylesheet. */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b63ce; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0; background: #f6f8fa; }
header { display: flex; gap: 12px; align-items: baseline; padding: 12px 24px; background: #fff;
  border-bottom: 1px solid var(--line); }
header h1 { font-size: 20px; margin: 0; }
header .right { margin-left: auto; }
main { padding: 16px 24px 48px; max-width: 1280px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.muted { color: var(--muted); }
.pill { font-size: 12px; padding: 1px 8px; border-radius: 10px; background: #eef1f4; }
.pill.ok { background: #dafbe1; color: #1a7f37; }
.pill.bad { background: #ffebe9; color: #cf222e; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
  margin-bottom: 12px; }
.panel.warn { margin: 12px 24px 0; border-color: #d4a72c; background: #fff8c5; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.columns .panel { margin-bottom: 0; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 6px; }
textarea, input[type=text], input[type=url], input[type=password] { font: inherit; padding: 4px 6px;
  border: 1px solid var(--line); border-radius: 4px; }
textarea { width: 100%; resize: vertical; }
#url-input { flex: 1; }
#drop { border: 2px dashed var(--line); border-radius: 6px; padding: 22px 12px; text-align: center;
  color: var(--muted); cursor: pointer; }
#drop.over { border-color: var(--accent); background: #ddf4ff; }
.link { color: var(--accent); cursor: pointer; text-decoration: underline; }
.thumbs { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
.thumbs li { position: relative; }
.thumbs img { width: 64px; height: 64px; object-fit: cover; border: 1px solid var(--line); border-radius: 4px; }
.thumbs button { position: absolute; top: -6px; right: -6px; border-radius: 50%; width: 20px; height: 20px;
  padding: 0; border: 1px solid var(--line); background: #fff; cursor: pointer; line-height: 1; }
.strategy { margin-bottom: 8px; }
.strategy > label { display: block; font-weight: 600; }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 4px;
  background: #f6f8fa; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); padding: 6px 20px;
  font-weight: 600; }
button:disabled { opacity: 0.6; cursor: progress; }
.actions { display: flex; gap: 12px; align-items: center; margin: 14px 0 4px; }
#message { min-height: 1.4em; margin: 4px 0 12px; }
#message.error { color: #cf222e; }
#results { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.result { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px;
  display: grid; grid-template-columns: 96px 1fr; gap: 10px; }
.result img { width: 96px; height: 96px; object-fit: cover; border-radius: 4px; border: 1px solid var(--line); }
.result .name { grid-column: 1 / -1; font-weight: 600; overflow-wrap: anywhere; }
.result .bars { position: relative; min-height: 120px; }
.result .error { color: #cf222e; overflow-wrap: anywhere; }
#texts-list details { margin: 4px 0; }
#texts-list summary { cursor: pointer; font-weight: 600; overflow-wrap: anywhere; }
#texts-list ul { margin: 4px 0 8px; padding-left: 20px; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; margin-top: 8px; }
.grid figure { margin: 0; font-size: 12px; overflow-wrap: anywhere; }
.grid img { width: 100%; aspect-ratio: 1; object-fit: cover; border-radius: 4px; }
`;
