export { exactNeighbourGraph, type NeighbourGraph } from "./knn.js";
export { jsProduct, type MatrixProduct, type ProductRequest } from "./products.js";
export {
  TRANSCLIP_DEFAULTS,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveZeroShot,
  transductiveZeroShotAsync,
} from "./transclip.js";
