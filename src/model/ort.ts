/**
 * The one door to onnxruntime-node: every use of it in src/ goes through `loadOrt()`.
 *
 * onnxruntime-node 1.30 has telemetry on by default on Linux: when its environment is set up
 * (`initOrtOnce`, at the first `InferenceSession.create`, not at import) it reads
 * `ORT_DISABLE_TELEMETRY` from the process environment; unset, it writes events under
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`, may try to upload them, and parses
 * `/proc/self/cmdline` recursively, which overflows the stack (SIGSEGV) once the command line
 * holds about a thousand paths. zeroclip turns it off before onnxruntime is loaded at all: a
 * value the user set wins, and `ZEROCLIP_ORT_TELEMETRY=1` leaves onnxruntime's default on.
 * Node writes `process.env` through to the C environment, which onnxruntime reads with getenv.
 */
import type ortModule from "onnxruntime-node";

/** The onnxruntime-node module. */
export type Ort = typeof ortModule;

/**
 * The value to give `ORT_DISABLE_TELEMETRY`, or undefined to leave the environment as it is:
 * "1" unless the user set that variable (to anything) or asked for telemetry with
 * `ZEROCLIP_ORT_TELEMETRY=1`.
 */
export function telemetrySetting(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ORT_DISABLE_TELEMETRY !== undefined) return undefined;
  if (env.ZEROCLIP_ORT_TELEMETRY === "1") return undefined;
  return "1";
}

/** Apply `telemetrySetting` to this process's environment. */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  const value = telemetrySetting(env);
  if (value !== undefined) env.ORT_DISABLE_TELEMETRY = value;
}

// On import too, so a program that loads zeroclip and then opens its own sessions is covered.
disableOrtTelemetry();

/**
 * Session options for onnxruntime's thread pools from the environment: with
 * `ZEROCLIP_ORT_SPIN=0`, idle pool threads block instead of spinning while they wait for work
 * (onnxruntime's `session.intra_op.allow_spinning` and `session.inter_op.allow_spinning` set to
 * "0"). Spinning keeps latency lowest on an otherwise idle machine, and burns CPU when several
 * processes share the cores (a parallel test run, a CI runner, a server beside other work).
 * Unset or any other value: onnxruntime's default (spinning).
 */
export function spinningOptions(env: NodeJS.ProcessEnv = process.env): {
  extra?: { session: Record<"intra_op" | "inter_op", { allow_spinning: "0" }> };
} {
  if (env.ZEROCLIP_ORT_SPIN !== "0") return {};
  const off = { allow_spinning: "0" } as const;
  return { extra: { session: { intra_op: off, inter_op: off } } };
}

let loading: Promise<Ort> | undefined;

/** onnxruntime-node, loaded on first use (telemetry off first, see above). */
export function loadOrt(): Promise<Ort> {
  if (loading) return loading;
  disableOrtTelemetry();
  // A CommonJS package: its module.exports is the namespace's default.
  loading = import("onnxruntime-node").then((m) => m.default);
  return loading;
}
