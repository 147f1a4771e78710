/**
 * An image's pixel count from its header alone (nothing is decoded), for budgets judged before
 * any decoding. Undefined when the header cannot be read (decoding then gives the error).
 */
import sharp from "sharp";
import { jpegFrame } from "./sniff.js";

export async function headerPixelCount(bytes: Uint8Array): Promise<number | undefined> {
  const frame = jpegFrame(bytes);
  if (frame) return frame.width * frame.height;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    return meta.width && meta.height ? meta.width * meta.height : undefined;
  } catch {
    return undefined;
  }
}
