/** Progress bars on stderr for a use case's `onProgress` events: one bar per stage, made lazily. */
import type { Stage } from "../app/events.js";
import { type Progress, progressBar } from "../util/progress.js";

const UNITS: Record<Stage, string> = {
  "class texts": "texts",
  images: "images",
  stored: "images",
  transductive: "rounds",
  texts: "texts",
  answers: "answers",
};

/** Bars for the stages reported; `minTotal` per stage hides small ones (default 2). */
export function progressBars(minTotal: Partial<Record<Stage, number>> = { "class texts": 256 }): {
  onProgress: (stage: Stage, done: number, total: number) => void;
  stop(): void;
} {
  const bars = new Map<Stage, Progress>();
  return {
    onProgress(stage, done, total) {
      let bar = bars.get(stage);
      if (!bar) {
        bar = progressBar(stage, total, UNITS[stage], { minTotal: minTotal[stage] });
        bars.set(stage, bar);
      }
      bar.update(done);
    },
    stop() {
      for (const bar of bars.values()) bar.stop();
    },
  };
}
