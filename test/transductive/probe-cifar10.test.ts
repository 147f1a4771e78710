/**
 * TransCLIP on the probe-text fixture with CIFAR-10 from ../shared (skipped without it): the
 * text tower points each class name near its class's colour-grid prototype (from held-out
 * images 0900–0999 of each class), zero-shot is far from perfect and far from chance. The
 * colour-grid features hardly cluster by class (3-NN same-label 25.6%, against 10% chance), so
 * TransCLIP over the evaluated images (0000–0199 of each class) measures within a few tenths
 * of a point of zero-shot, not above it (docs/transductive.md, "Measured"): checked here is
 * that on this balanced set holding every class it never costs more than one point. The
 * measured accuracies are printed.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroShotClassifier } from "../../src/classify/classifier.js";
import { ClipModel } from "../../src/model/clip-model.js";
import { transductiveZeroShot } from "../../src/transductive/transclip.js";
import { CIFAR10_CLASSES } from "../support/datasets.js";
import { ensureProbeTextModel } from "../support/model-gen/probe-text.js";
import { sharedPath } from "../support/paths.js";

const cifar = sharedPath("data", "cifar10-test");
const present = cifar !== undefined && existsSync(cifar);

const files = (from: number, to: number) =>
  CIFAR10_CLASSES.flatMap((label) =>
    Array.from({ length: to - from }, (_, k) => ({
      path: join(cifar!, label, `${String(from + k).padStart(4, "0")}.jpg`),
      label,
    })),
  );

const STRATEGIES: Record<string, string[]> = {
  "single (a photo of a {}.)": ["a photo of a {}."],
  "class name ({})": ["{}"],
  "ensemble (4 templates)": [
    "a photo of a {}.",
    "a blurry photo of a {}.",
    "a drawing of the {}.",
    "itap of a {}.",
  ],
};

describe("TransCLIP on the probe-text fixture (CIFAR-10)", {
  skip: !present && "no ../shared/data/cifar10-test",
}, () => {
  let model: ClipModel;
  let embeddings: Float32Array[];
  let truth: number[];

  before(async () => {
    const dir = await ensureProbeTextModel({ classes: CIFAR10_CLASSES, heldOut: files(900, 1000) });
    model = await ClipModel.load(dir);
    const evalSet = files(0, 200);
    const res = await model.embedImages(evalSet.map((f) => f.path));
    embeddings = res.map((r) => r.embedding!);
    truth = evalSet.map((f) => CIFAR10_CLASSES.indexOf(f.label));
  });
  after(() => model?.dispose());

  for (const [name, templates] of Object.entries(STRATEGIES)) {
    it(`stays within a point of zero-shot (or above) with ${name}`, async () => {
      const classifier = await ZeroShotClassifier.create(model, {
        labels: CIFAR10_CLASSES,
        templates,
      });
      const res = transductiveZeroShot(embeddings, classifier.classEmbeddings);
      let zs = 0;
      let tc = 0;
      for (let i = 0; i < truth.length; i++) {
        if (res.zeroShot[i] === truth[i]) zs++;
        if (res.predictions[i] === truth[i]) tc++;
      }
      const zeroShot = zs / truth.length;
      const transductive = tc / truth.length;
      process.stdout.write(
        `# probe-text CIFAR-10 ${name}: zero-shot ${(100 * zeroShot).toFixed(2)}%, TransCLIP ${(100 * transductive).toFixed(2)}% (${truth.length} images)\n`,
      );
      assert.ok(
        zeroShot > 0.15 && zeroShot < 0.6,
        `zero-shot ${zeroShot} is not in the probe's regime`,
      );
      assert.ok(
        transductive > zeroShot - 0.01,
        `TransCLIP ${transductive} vs zero-shot ${zeroShot}`,
      );
    });
  }
});
