/** The flags of `zeroclip index` (shared by the local run and the `--queue` submitter). */
import type { ModelFlags } from "./common.js";

export interface IndexFlags extends ModelFlags {
  store: string;
  queue?: string;
  shardSize: number;
  wait: boolean;
  attempts: number;
  prune?: boolean;
  refreshUrls?: boolean;
  format?: "table" | "json";
  batchSize: number;
  exifOrientation: boolean;
  maxPixels: number;
}
