import cliProgress from "cli-progress";

/** A progress display: a bar on a terminal's stderr, silent otherwise. */
export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/**
 * A progress bar on stderr with count, rate and ETA, shown only when stderr is a terminal and
 * the work is large enough to be worth a bar.
 */
export function progressBar(
  label: string,
  total: number,
  unit = "items",
  opts: { minTotal?: number; stream?: NodeJS.WriteStream; detail?: string } = {},
): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY || total < (opts.minTotal ?? 2)) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // `detail`: more of the line, with {tokens} filled from `update`'s extra values.
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}${opts.detail ?? ""}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  bar.start(total, 0, { rate: "0" });
  return {
    update(done, extra) {
      const secs = (Date.now() - start) / 1000;
      bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : "0", ...extra });
    },
    stop() {
      bar.stop();
    },
  };
}

/** A bar whose total is learnt from the first update (e.g. distinct texts after dedupe). */
export function lazyProgressBar(
  label: string,
  unit: string,
  opts: { minTotal?: number; stream?: NodeJS.WriteStream } = {},
): { update(done: number, total: number): void; stop(): void } {
  let bar: Progress | undefined;
  return {
    update(done, total) {
      bar ??= progressBar(label, total, unit, opts);
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
