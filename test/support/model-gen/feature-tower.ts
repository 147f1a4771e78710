/**
 * The probe-cluster fixture's vision tower (probe-cluster.ts): fixed image features, then an
 * optional linear projection fitted elsewhere (LDA on held-out images, lda.ts). Features of the
 * normalized pixels, first averaged down to a 32 × 32 image (cells of S/32 pixels):
 *
 * - colours: the mean over each cell of an 8 × 8 grid (4 × 4 pixels of the 32 × 32 image),
 *   channel-major `[c][row][column]`, 192 values;
 * - edges: 8 oriented gradient filters (3 × 3 Sobel along x, y and the two diagonals, each
 *   sign, on the luma 0.299 R + 0.587 G + 0.114 B), zero padding, ReLU, averaged over each cell
 *   of a 4 × 4 grid, `[filter][row][column]`, 128 values.
 *
 * 320 features in all, colours first. Same interface as the real tower: input `pixel_values`
 * float32 [batch_size, 3, S, S], output `image_embeds` float32 [batch_size, D] (not
 * normalized): D = 320 without a projection, else `image_embeds = features · W + b`.
 */
import { GraphBuilder } from "./builder.js";
import { DataType, type OnnxGraph } from "./onnx.js";

/** Side of the averaged image the features are computed on. */
export const FEATURE_BASE = 32;
/** Colour grid side and edge grid side. */
export const COLOUR_GRID = 8;
export const EDGE_GRID = 4;
/** Luma weights of the edge filters. */
export const LUMA = [0.299, 0.587, 0.114] as const;

/** The 8 oriented 3 × 3 filters (row-major), before the luma weighting. */
export function edgeFilters(): Float64Array[] {
  const sx = [-1, 0, 1, -2, 0, 2, -1, 0, 1].map((v) => v / 8);
  const sy = [-1, -2, -1, 0, 0, 0, 1, 2, 1].map((v) => v / 8);
  const diag1 = sx.map((v, i) => (v + sy[i]) / Math.SQRT2);
  const diag2 = sx.map((v, i) => (v - sy[i]) / Math.SQRT2);
  const four = [sx, sy, diag1, diag2];
  return [...four, ...four.map((f) => f.map((v) => -v))].map((f) => Float64Array.from(f));
}

export const FEATURE_COUNT = 3 * COLOUR_GRID ** 2 + edgeFilters().length * EDGE_GRID ** 2;

export interface FeatureProjection {
  /** FEATURE_COUNT × dim, row-major. */
  weight: Float32Array;
  /** dim values. */
  bias: Float32Array;
  dim: number;
}

function floatInit(b: GraphBuilder, name: string, dims: number[], data: Float32Array): string {
  return b.addInitializer({
    name,
    dims,
    dataType: DataType.FLOAT,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

export function buildFeatureTowerGraph(imageSize: number, proj?: FeatureProjection): OnnxGraph {
  if (imageSize % FEATURE_BASE !== 0) {
    throw new Error(`a feature tower needs an image size divisible by ${FEATURE_BASE}`);
  }
  const b = new GraphBuilder(DataType.FLOAT, new Map());
  const pool = (x: string, k: number) =>
    b.op("AveragePool", [x], { kernel_shape: { ints: [k, k] }, strides: { ints: [k, k] } });
  const flat = (x: string) => b.op("Reshape", [x, b.i64([0, -1])]);
  const filters = edgeFilters();
  const weights = new Float32Array(filters.length * 3 * 9);
  for (const [f, k] of filters.entries()) {
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 9; i++) weights[(f * 3 + c) * 9 + i] = LUMA[c] * k[i];
  }
  const features = b.scoped("features", () => {
    const small = pool("pixel_values", imageSize / FEATURE_BASE);
    const colours = flat(pool(small, FEATURE_BASE / COLOUR_GRID));
    const w = floatInit(b, "features.edge_filters", [filters.length, 3, 3, 3], weights);
    const edges = b.op("Relu", [
      b.op("Conv", [small, w], {
        kernel_shape: { ints: [3, 3] },
        pads: { ints: [1, 1, 1, 1] },
      }),
    ]);
    const edgeCells = flat(pool(edges, FEATURE_BASE / EDGE_GRID));
    return b.op("Concat", [colours, edgeCells], { axis: { i: 1 } });
  });
  let embeds = features;
  if (proj) {
    if (proj.weight.length !== FEATURE_COUNT * proj.dim || proj.bias.length !== proj.dim) {
      throw new Error(`projection is not ${FEATURE_COUNT} × ${proj.dim} with ${proj.dim} biases`);
    }
    embeds = b.scoped("projection", () => {
      const w = floatInit(b, "projection.weight", [FEATURE_COUNT, proj.dim], proj.weight);
      const bias = floatInit(b, "projection.bias", [proj.dim], proj.bias);
      return b.op("Add", [b.op("MatMul", [features, w]), bias]);
    });
  }
  b.output(embeds, "image_embeds");
  const dim = proj?.dim ?? FEATURE_COUNT;
  return b.graph(
    "vision_model",
    [
      {
        name: "pixel_values",
        elemType: DataType.FLOAT,
        shape: ["batch_size", 3, imageSize, imageSize],
      },
    ],
    [{ name: "image_embeds", elemType: DataType.FLOAT, shape: ["batch_size", dim] }],
  );
}
