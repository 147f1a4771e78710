/**
 * docs/library.md's "Use cases: one call per command" snippet, type-checked by the build (never
 * run: it needs a hub model, photos, Redis and PostgreSQL). Imports from src/index.js stand for
 * "zeroclip". If a request or result type changes, this file stops compiling.
 */
import { adapt, evaluate, indexInputs, startWorker } from "../../src/index.js";

export async function useCaseSnippets() {
  const log = (p: { stage: string; done: number; total: number }) =>
    console.error(`${p.stage}: ${p.done}/${p.total}`);

  const indexed = await indexInputs(
    {
      inputs: ["photos/"],
      store: "photos.zcstore",
      model: { name: "Xenova/clip-vit-base-patch32", dtype: "q8" },
      image: { exifOrientation: false },
    },
    { onProgress: log },
  );
  console.log(indexed.report.added, indexed.holds?.ok);

  const evaluated = await evaluate(
    {
      dataset: "photos/",
      strategies: ["base=single:a photo of a {}."],
      fewshot: { train: "train/", methods: ["tip-adapter"] },
      labelsFile: "classnames.json#pets",
      report: "report.html",
    },
    { onProgress: log, onWarning: (m) => console.error(`warning: ${m}`) },
  );
  console.log(evaluated.doc.strategies.base.top1, evaluated.doc.fewshot?.shots);

  const adapted = await adapt({
    support: "photos/",
    out: "gda.safetensors",
    method: "gda",
    shots: 16,
    valSplit: 0.2,
    imageCache: false,
    classCache: false,
  });
  console.log(adapted.summary.alpha, adapted.chosenBy);

  const worker = await startWorker(
    {
      queue: "redis://queue:6379",
      store: "postgres://me@db/photos",
      exitWhenIdle: true,
      lockSeconds: 30,
    },
    { onShard: (s) => console.error(`${s.id}: ${s.images} images`) },
  );
  await worker.stopped;
}
