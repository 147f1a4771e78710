/** How the use cases report progress: one callback, one event shape, no printing. */

/** What a stage counts. */
export type ProgressUnit = "images" | "texts" | "views" | "runs" | "rounds" | "answers";

/**
 * `done` of `total` in a named stage ("images", "texts of base", "support views", ...). A new
 * `stage` name means the previous stage is over.
 */
export interface StageProgress {
  stage: string;
  unit: ProgressUnit;
  done: number;
  total: number;
}

export type OnStageProgress = (progress: StageProgress) => void;
