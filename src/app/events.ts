/**
 * How use cases report while they work: progress per stage, warnings and informational lines.
 * They never print; the CLI turns these into progress bars and stderr lines, the server into
 * log entries (or nothing).
 */
import type { OnStageProgress } from "./progress.js";

export interface UseCaseEvents {
  /**
   * `done` of `total` units of a stage finished (called again as the count grows; a new stage
   * name ends the last one): the same `StageProgress` events as every use case.
   */
  onProgress?: OnStageProgress;
  /** Something the caller should know that does not stop the work (a label fell back, say). */
  onWarning?: (message: string) => void;
  /** An informational line (a model download, a summary of the work done). */
  onMessage?: (line: string) => void;
}
