/**
 * docs/library.md's snippets, type-checked by the build (never run: they need a hub model, an
 * LLM server and photos). If an API changes, this file stops compiling. Imports from
 * src/index.js stand for "zeroclip", from src/<room>/index.js for "zeroclip/<room>".
 */
import {
  evalJson,
  evaluateRetrieval,
  evaluateStrategies,
  loadDataset,
  loadPairs,
  loadStrategy,
  openImageStore,
  parseStrategies,
  parseStrategy,
  retrievalMetrics,
  sampleItems,
  writeReport,
  writeRetrievalReport,
} from "../../src/eval/index.js";
import {
  ClipModel,
  describeClasses,
  QUESTION_SETS,
  readDescriptionsFile,
  searchStore,
  ZeroShotClassifier,
} from "../../src/index.js";
import { buildServer, serveUntilSignal } from "../../src/serve/index.js";
import { classifyStored, indexImages, openStore } from "../../src/store/index.js";

export async function librarySnippets(buffer: Uint8Array, someImageEmbedding: Float32Array) {
  const model = await ClipModel.load("Xenova/clip-vit-base-patch32", {
    dtype: "q8",
    threads: 2,
    preprocessWorkers: 2,
  });
  const texts = await model.embedTexts(["a photo of a cat", "a photo of a dog"]);
  const images = await model.embedImages(["cat.jpg", "https://example.com/dog.png", buffer]);
  for (const r of images) {
    if (r.error) console.error(r.input, r.error);
    else console.log(r.input, r.embedding);
  }
  const classifier = await ZeroShotClassifier.create(model, {
    labels: ["tree frog", "tailed frog"],
    templates: ["a photo of a {}.", "a close-up photo of a {}."],
    descriptions: await readDescriptionsFile("descriptions.json"),
    aggregate: "normalized-mean",
    cache: true,
  });
  const results = await classifier.classify(["frog.jpg"], { topK: 1 });
  const scores = classifier.predict(someImageEmbedding);
  const { descriptions, failures } = await describeClasses(["tree frog", "tailed frog"], {
    model: "llama3.1:8b",
    baseURL: "http://localhost:11434/v1",
    questions: QUESTION_SETS["cupl-imagenet"],
    n: 10,
  });
  const dataset = await loadDataset("photos/");
  const strategies = await Promise.all(
    ["base=single:a photo of a {}.", "cupl=cupl:descriptions.json"].map((s) =>
      loadStrategy(parseStrategy(s)),
    ),
  );
  const result = await evaluateStrategies(model, dataset, dataset.items, strategies);
  console.log(evalJson(result).strategies.cupl.top1);
  await writeReport("report.html", result);
  await model.dispose();
  return { texts, results, scores, descriptions, failures };
}

/** docs/eval.md's library example. */
export async function evalSnippet() {
  const model = await ClipModel.load("path/to/model");
  const dataset = await loadDataset("cifar10-test");
  const images = sampleItems(dataset.items, { perClass: 20 });
  const strategies = await Promise.all(
    parseStrategies(["base=single:a photo of a {}."]).map(loadStrategy),
  );
  const store = await openImageStore(model, true);
  const result = await evaluateStrategies(model, dataset, images, strategies, { store });
  console.log(evalJson(result).strategies.base.top1);
  await writeReport("report.html", result, { dataset: "cifar10-test" });
}

/** docs/library.md's index, search and retrieval examples. */
export async function indexSnippet(
  model: ClipModel,
  imageEmbeddings: Float32Array[],
  captionEmbeddings: Float32Array[],
) {
  const store = await openStore("photos.zcstore"); // a file path: the embedded SQLite engine
  const report = await indexImages(model, store, ["photos/"], {
    modelName: "Xenova/clip-vit-base-patch32", // recorded in the store
    prune: true,
    onProgress: (done, total) => console.error(`${done}/${total}`),
  });
  console.log(report.added, report.updated, report.removed, report.unchanged, report.failed);
  const [hits] = await searchStore(model, store, [{ text: "a dog on a beach" }], { k: 5 });
  if (hits.results) for (const h of hits.results) console.log(h.score.toFixed(3), h.input);
  await searchStore(model, store, [{ image: "query.jpg" }, { text: "cat" }], {
    templates: ["a photo of a {}."],
  });
  const classifier = await ZeroShotClassifier.create(model, { labels: ["cat", "dog"] });
  const results = await classifyStored(classifier, store, { topK: 1 });
  await store.close();

  const pairs = await loadPairs("captions.csv");
  const retrieval = await evaluateRetrieval(model, pairs, { lossBatchSize: 64 });
  console.log(retrieval.metrics.text_to_image["R@1"], retrieval.metrics.contrastive_loss);
  await writeRetrievalReport("retrieval.html", retrieval);
  return {
    results,
    metrics: retrievalMetrics(imageEmbeddings, captionEmbeddings, [0, 0, 1], 100, 32),
  };
}

/** docs/library.md's batcher and server examples, and docs/serve.md's "From code". */
export async function serveSnippets(buffer: Uint8Array) {
  const model = await ClipModel.load("Xenova/clip-vit-base-patch32");
  const batcher = model.imageBatcher({ batchSize: 16, waitMs: 5, maxQueue: 256 });
  const [a, b] = await Promise.all([
    batcher.embed([buffer]),
    batcher.embed(["https://example.com/b.jpg"]),
  ]);
  const app = await buildServer({ model, apiKey: process.env.ZEROCLIP_KEY, batchSize: 16 });
  await app.warmUp();
  const res = await app.inject({
    method: "POST",
    url: "/v1/embeddings",
    payload: { input: "a cat" },
  });
  await app.listen({ host: "127.0.0.1", port: 8080 });
  const running = await serveUntilSignal(app, { host: "127.0.0.1", port: 8080, graceMs: 65_000 });
  return { a, b, res, code: await running.closed };
}
