/**
 * Classification with a few-shot adapter (`zeroclip serve --adapter FILE`): the classes are the
 * adapter's, fixed for the server's life, so requests may leave the labels out; labels that are
 * given must name the same classes, and prompt options are refused (the adapter holds its class
 * embeddings). The rules are the classify use case's (`checkAdapterRequest`), as for
 * `zeroclip classify --adapter`.
 */
import type { FewShotClassifier } from "../adapt/classifier.js";
import { checkAdapterRequest } from "../app/classify-classes.js";
import type { ClassifierSource } from "./classifier-source.js";

export function adapterSource(classifier: FewShotClassifier): ClassifierSource {
  const classes = classifier.labels;
  return {
    needsLabels: false,
    fixedLabels: classes,
    async scorer(params) {
      checkAdapterRequest(classes, params);
      return classifier;
    },
  };
}
