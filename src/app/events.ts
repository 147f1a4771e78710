/**
 * How use cases report while they work: progress per stage, warnings and informational lines.
 * They never print; the CLI turns these into progress bars and stderr lines, the server into
 * log entries (or nothing).
 */

/** The stages a use case reports progress for. */
export type Stage = "class texts" | "images" | "stored" | "transductive" | "texts" | "answers";

export interface UseCaseEvents {
  /** `done` of `total` units of `stage` finished (called again as the count grows). */
  onProgress?: (stage: Stage, done: number, total: number) => void;
  /** Something the caller should know that does not stop the work (a label fell back, say). */
  onWarning?: (message: string) => void;
  /** An informational line (a model download, a summary of the work done). */
  onMessage?: (line: string) => void;
}
