/** The images to classify: picked, dropped or pasted files and image URLs, shown as thumbnails. */
import { byId, el } from "../dom.js";
import { setMessage, state } from "./api.js";

function addFile(file: File | null): void {
  if (!file || !/^image\//.test(file.type)) {
    setMessage(`${file ? file.name : "the pasted item"} is not an image`, true);
    return;
  }
  state.images.push({ name: file.name || "pasted image", file, thumb: URL.createObjectURL(file) });
  renderImages();
}

function addUrl(url: string): void {
  state.images.push({ name: url, url, thumb: url });
  renderImages();
}

function renderImages(): void {
  const list = byId("image-list");
  list.textContent = "";
  state.images.forEach((img, i) => {
    const li = el("li", { title: img.name });
    li.appendChild(el("img", { src: img.thumb, alt: img.name }));
    const rm = el("button", { type: "button", "aria-label": `remove ${img.name}` }, "×");
    rm.addEventListener("click", () => {
      state.images.splice(i, 1);
      renderImages();
    });
    li.appendChild(rm);
    list.appendChild(li);
  });
}

export function wireImages(): void {
  const drop = byId("drop");
  const input = byId<HTMLInputElement>("file-input");
  drop.addEventListener("click", (e) => {
    if (e.target === drop) input.click();
  });
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") input.click();
  });
  input.addEventListener("change", () => {
    for (const f of Array.from(input.files ?? [])) addFile(f);
    input.value = "";
  });
  for (const t of ["dragenter", "dragover"]) {
    document.addEventListener(t, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const t of ["dragleave", "drop"]) {
    document.addEventListener(t, () => drop.classList.remove("over"));
  }
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    const dt = e.dataTransfer;
    if (!dt) return;
    if (dt.files && dt.files.length > 0) {
      for (const f of Array.from(dt.files)) addFile(f);
    } else {
      const url = dt.getData("text/uri-list") || dt.getData("text/plain");
      if (/^https?:\/\//i.test(url)) addUrl(url.trim());
    }
  });
  document.addEventListener("paste", (e) => {
    for (const it of Array.from(e.clipboardData?.items ?? [])) {
      if (it.kind === "file" && /^image\//.test(it.type)) addFile(it.getAsFile());
    }
  });
  byId("url-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const urlInput = byId<HTMLInputElement>("url-input");
    const url = urlInput.value.trim();
    if (url) {
      addUrl(url);
      urlInput.value = "";
    }
  });
}
