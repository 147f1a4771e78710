export { exactNeighbourGraph, type NeighbourGraph } from "./knn.js";
export {
  TRANSCLIP_DEFAULTS,
  type TransductiveOptions,
  type TransductiveResult,
  transductiveZeroShot,
} from "./transclip.js";
