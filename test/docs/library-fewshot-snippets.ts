/**
 * docs/library.md's few-shot snippet, type-checked by the build (never run: it needs photos and
 * a hub model). If the API changes, this file stops compiling.
 */
import {
  adaptFromDataset,
  FewShotClassifier,
  readAdapterFile,
  writeAdapterFile,
} from "../../src/adapt/index.js";
import { loadDataset } from "../../src/eval/index.js";
import type { ClipModel } from "../../src/index.js";

export async function fewShotSnippet(model: ClipModel) {
  const { file, search } = await adaptFromDataset(model, {
    method: "gda",
    support: await loadDataset("photos/"),
    shots: 16,
    valSplit: 0.2,
    templates: ["a photo of a {}."],
  });
  console.log(search?.alpha, file.info.val_top1);
  await writeAdapterFile("photos.safetensors", file);

  const fewShot = await FewShotClassifier.fromAdapter(
    model,
    await readAdapterFile("photos.safetensors"),
  );
  const results = await fewShot.classify(["new.jpg"]);
  return results;
}
