/** float32 → IEEE 754 binary16 for the fp16 variant, with the project's own converter. */
import { floatsToHalf } from "../../../src/util/float16.js";

/** Little-endian binary16 bytes of `values`. */
export function toHalfBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(floatsToHalf(values).buffer);
}
