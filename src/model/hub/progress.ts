import cliProgress from "cli-progress";
import { envFlag } from "./settings.js";

/** How far the download of one model file is. */
export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number | undefined;
}

export interface DownloadBar {
  /** Feed download progress (one file at a time). */
  update: (p: DownloadProgress) => void;
  /** Remove a bar still shown (e.g. after an error). */
  stop: () => void;
}

/**
 * Byte progress for downloads: a bar with size, rate and ETA on stderr, for files of at least
 * `minBytes` (default 5 MB), only when the stream is a terminal and HF_HUB_DISABLE_PROGRESS_BARS
 * is not set.
 */
export function downloadProgress(
  opts: { stream?: NodeJS.WriteStream; minBytes?: number } = {},
): DownloadBar {
  const stream = opts.stream ?? process.stderr;
  const minBytes = opts.minBytes ?? 5_000_000;
  if (!stream.isTTY || envFlag(process.env.HF_HUB_DISABLE_PROGRESS_BARS))
    return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let file: string | undefined;
  let started = 0;
  let first = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
    file = undefined;
  };
  return {
    update(p) {
      if (p.total === undefined || p.total < minBytes) return;
      if (p.file !== file) {
        stop();
        file = p.file;
        started = Date.now();
        first = p.loaded;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${p.file} [{bar}] {done}/{size} | {rate}/s | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 100,
            fps: 8,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, p.loaded, { done: bytes(p.loaded), size: bytes(p.total), rate: "-" });
      }
      const secs = (Date.now() - started) / 1000;
      bar?.update(p.loaded, {
        done: bytes(p.loaded),
        rate: secs > 0 ? bytes((p.loaded - first) / secs) : "-",
      });
      if (p.loaded >= p.total) stop();
    },
    stop,
  };
}

/** Bytes for people: 512 B, 3.4 kB, 87.6 MB, 1.2 GB (SI units, as the hub shows sizes). */
export function bytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
