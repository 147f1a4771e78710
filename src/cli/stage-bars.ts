/** Progress bars for a use case's `StageProgress` events: one bar per stage, on stderr. */
import type { StageProgress } from "../app/progress.js";
import { lazyProgressBar } from "../util/progress.js";

/**
 * A callback that draws a bar per stage (a new stage stops the last bar) and `stop` for the end.
 * Text stages get a bar only from 256 texts on (encoding fewer takes no time worth a bar).
 */
export function stageBars(): { update(p: StageProgress): void; stop(): void } {
  let current: { stage: string; bar: ReturnType<typeof lazyProgressBar> } | undefined;
  const stop = () => {
    current?.bar.stop();
    current = undefined;
  };
  return {
    update(p) {
      if (current?.stage !== p.stage) {
        stop();
        current = {
          stage: p.stage,
          bar: lazyProgressBar(p.stage, p.unit, p.unit === "texts" ? { minTotal: 256 } : {}),
        };
      }
      current.bar.update(p.done, p.total);
    },
    stop,
  };
}
