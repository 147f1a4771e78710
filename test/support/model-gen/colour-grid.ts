/**
 * A discriminative stand-in for the vision tower, for tests that need image embeddings that
 * tell images apart (few-shot adapters, search). Random CLIP towers give nearly the same
 * embedding for every image; this one's `image_embeds` is a coarse grid of mean colours:
 * the normalized pixels averaged over each cell of a g × g grid, channel-major
 * (`[c][row][column]`, as PyTorch's flatten of `[B, 3, g, g]`), so 3·g² = projection_dim values.
 *
 * Same interface as the real tower: input `pixel_values` float32 [batch_size, 3, S, S], output
 * `image_embeds` float32 [batch_size, projection_dim] (not normalised). It is not CLIP: its
 * embeddings live in another space than the text tower's, so its zero-shot predictions are no
 * better than chance, while anything learnt from labelled images of it is meaningful.
 */
import { GraphBuilder } from "./builder.js";
import type { ClipDims } from "./dims.js";
import { DataType, type OnnxGraph } from "./onnx.js";

/** The grid side g for a projection dimension of 3·g² (throws for any other dimension). */
export function colourGridSide(dims: ClipDims): number {
  const g = Math.round(Math.sqrt(dims.projectionDim / 3));
  if (3 * g * g !== dims.projectionDim || dims.imageSize % g !== 0) {
    throw new Error(
      `a colour-grid tower needs projectionDim = 3·g² with g dividing imageSize (${dims.projectionDim}, ${dims.imageSize})`,
    );
  }
  return g;
}

export function buildColourGridGraph(dims: ClipDims): OnnxGraph {
  const g = colourGridSide(dims);
  const cell = dims.imageSize / g;
  const b = new GraphBuilder(DataType.FLOAT, new Map());
  const embeds = b.scoped("colour_grid", () => {
    const pooled = b.op("AveragePool", ["pixel_values"], {
      kernel_shape: { ints: [cell, cell] },
      strides: { ints: [cell, cell] },
    });
    return b.op("Reshape", [pooled, b.i64([0, -1])]);
  });
  b.output(embeds, "image_embeds");
  const s = dims.imageSize;
  return b.graph(
    "vision_model",
    [{ name: "pixel_values", elemType: DataType.FLOAT, shape: ["batch_size", 3, s, s] }],
    [{ name: "image_embeds", elemType: DataType.FLOAT, shape: ["batch_size", dims.projectionDim] }],
  );
}
