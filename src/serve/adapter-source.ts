/**
 * Classification with a few-shot adapter (`zeroclip serve --adapter FILE`): the classes are the
 * adapter's, fixed for the server's life, so requests may leave the labels out; labels that are
 * given must name the same classes, and prompt options are refused (the adapter holds its class
 * embeddings).
 */
import type { FewShotClassifier } from "../adapt/classifier.js";
import { UsageError } from "../util/errors.js";
import type { ClassifierSource } from "./classifier-source.js";

export function adapterSource(classifier: FewShotClassifier): ClassifierSource {
  const classes = classifier.labels;
  return {
    needsLabels: false,
    fixedLabels: classes,
    async scorer(params) {
      if (params.templates || params.descriptions || params.aggregate || params.allowMissing) {
        throw new UsageError(
          "this server classifies with a few-shot adapter: templates, descriptions and aggregate do not apply",
        );
      }
      if (params.labels) {
        const given = new Set(params.labels.map((l) => l.trim()));
        const same = given.size === classes.length && classes.every((c) => given.has(c));
        if (!same) {
          throw new UsageError(
            `this server's classes are the adapter's (${classes.join(", ")}); leave the labels out`,
          );
        }
      }
      return classifier;
    },
  };
}
