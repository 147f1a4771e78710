/** Training-free few-shot adapters: Tip-Adapter, TIP-X and GDA (see docs/few-shot.md). */

export {
  AUGMENT_VERSION,
  type AugmentSpec,
  augmentView,
  type CropBox,
  randomResizedCropBox,
} from "../image/augment.js";
export { type ViewId, viewKey, viewSpec } from "../image/views.js";
export {
  type AdaptOptions,
  type AdaptResult,
  adaptFromDataset,
  DEFAULT_AUGMENT_VIEWS,
} from "./adapt.js";
export {
  ADAPTER_METHODS,
  type Adapter,
  type AdapterMethod,
  adapterLogits,
  cacheKeys,
  DEFAULT_PARAMS,
  type FitOptions,
  type FitResult,
  fitAdapter,
  type GdaAdapter,
  type SupportFeatures,
  type TipAdapter,
  type TipXAdapter,
} from "./adapter.js";
export {
  type AdapterFile,
  decodeAdapter,
  encodeAdapter,
  readAdapterFile,
  writeAdapterFile,
} from "./adapter-file.js";
export { FewShotClassifier, type FewShotOptions } from "./classifier.js";
export { type EmbeddedImages, embedLabelledImages, type ViewOptions } from "./features.js";
export { type GdaModel, gdaFit, gdaLogits } from "./gda.js";
export { checkModelIdentity, type ModelIdentity, modelIdentity } from "./identity.js";
export {
  DEFAULT_TIP_GRID,
  GDA_ALPHAS,
  type LabelledFeatures,
  type SearchResult,
  searchGda,
  searchTipAdapter,
  searchTipX,
  type TipSearchGrid,
} from "./search.js";
export { holdOut, sampleSupport, sampleValidation } from "./support.js";
export {
  type CacheModel,
  TIPX_TEMPERATURE,
  type TipAdapterParams,
  type TipXParams,
  tipAdapterLogits,
  tipXLogits,
  tipXRanges,
  zeroShotLogits,
} from "./tip.js";
