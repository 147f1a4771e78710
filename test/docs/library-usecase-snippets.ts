/**
 * docs/library.md's "One call per verb" snippet, type-checked by the build (never run: it needs
 * a hub model, an LLM server and photos). If the use cases' API changes, this stops compiling.
 */
import { classify, describeLabels, embed, search } from "../../src/index.js";

export async function useCaseSnippet() {
  const { results, failed } = await classify(
    {
      inputs: ["photos/"],
      labels: ["cat", "dog", "tree frog"],
      templates: ["a photo of a {}."],
      topK: 2,
      explain: 2,
      model: { name: "Xenova/clip-vit-base-patch32", dtype: "q8" },
      image: { exifOrientation: true, maxPixels: 50_000_000 },
    },
    {
      onProgress: (p) => console.error(`${p.stage} ${p.done}/${p.total} ${p.unit}`),
      onResult: (r) => console.log(r.input, r.predictions?.[0]?.label ?? r.error),
    },
  );
  await classify({ store: "photos.zcstore", labels: ["cat", "dog"] });
  await classify({ inputs: ["new/"], adapter: "photos.safetensors" });
  await classify({ inputs: ["set/"], labels: ["cat", "dog"], transductive: true });

  const texts = await embed({ texts: ["a photo of a cat"] });
  const images = await embed({ images: ["cat.jpg"], image: { exifOrientation: false } });

  const described = await describeLabels({
    labels: ["tree frog", "tailed frog"],
    llm: { model: "llama3.1:8b", baseURL: "http://localhost:11434/v1" },
    questions: "seed",
  });
  console.log(described.descriptions, described.failures);

  const found = await search(
    {
      store: "photos.zcstore",
      queries: [{ text: "a dog on a beach" }],
      topK: 5,
      html: "hits.html",
    },
    { onWarning: (m) => console.error(m) },
  );
  console.log(found.results[0].results?.[0]?.input, found.model);
  return { results, failed, texts, images };
}
