/**
 * CPU time from Linux's `/proc`, for the benchmark's time accounting: per thread of this
 * process, or for a whole process. Elsewhere the readers return undefined / NaN.
 */
import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds split between a set of threads (inference) and all the others. */
export interface ThreadCpu {
  inference: number;
  other: number;
}

/** utime + stime, in seconds, from a `/proc/…/stat` line (fields 14 and 15, in clock ticks). */
function statCpuSeconds(path: string): number {
  // Fields after "(comm) ": the state is the 1st, utime the 12th and stime the 13th.
  const f = readFileSync(path, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of each of this process's threads, by thread id, or undefined off Linux. */
export function threadCpuSeconds(): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      out.set(Number(tid), statCpuSeconds(`/proc/self/task/${tid}/stat`));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** CPU seconds between two `threadCpuSeconds` readings, split by membership in `inference`. */
export function splitThreadCpu(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  inference: ReadonlySet<number>,
): ThreadCpu {
  const out: ThreadCpu = { inference: 0, other: 0 };
  for (const [tid, s] of after) {
    out[inference.has(tid) ? "inference" : "other"] += s - (before.get(tid) ?? 0);
  }
  return out;
}

/** CPU seconds a process has used so far, NaN off Linux or once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return Number.NaN;
  }
}
