/**
 * A real Redis for tests: Debian's `redis-server` on 127.0.0.1, a free port and a temporary
 * directory, with persistence off (`--save "" --appendonly no`); `stop` ends it and removes the
 * directory. It runs under a small shell that stops it when our end of its stdin closes, so it
 * never outlives the test process (even one killed with SIGKILL). Tests skip when the binary is
 * missing (`.ci/run` installs it).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  /** redis://127.0.0.1:PORT (with the password when one was set) */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The redis-server binary, or undefined when it is not installed. */
export const redisServerBinary: string | undefined = (() => {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? "redis-server" : undefined;
})();

/** Why Redis tests skip, or false when they can run (for node:test's `skip`). */
export const skipWithoutRedis: string | false = redisServerBinary
  ? false
  : "redis-server is not installed (apt-get install redis-server)";

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start a Redis server; `password` sets `requirepass`. */
export async function startRedisServer(opts: { password?: string } = {}): Promise<RedisServer> {
  if (!redisServerBinary) throw new Error("redis-server is not installed");
  const dir = await mkdtemp(join(tmpdir(), "zeroclip-redis-"));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
    args.push("--save", "", "--appendonly", "no", "--protected-mode", "no");
    if (opts.password) args.push("--requirepass", opts.password);
    const guard = 'redis-server "$@" </dev/null & p=$!; read _; kill $p 2>/dev/null; wait $p';
    const child = spawn("sh", ["-c", guard, "sh", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const ready = await new Promise<boolean>((resolve) => {
      let out = "";
      const timer = setTimeout(() => resolve(false), 20_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve(true);
        } else if (/Address already in use|Could not create server TCP/.test(out)) {
          clearTimeout(timer);
          resolve(false);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.stdin.end(); // the shell stops redis-server, then exits
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await new Promise<void>((r) =>
        child.exitCode !== null ? r() : child.once("exit", () => r()),
      );
      clearTimeout(timer);
      if (attempt < 3) continue; // the port was taken in between: try another
      await rm(dir, { recursive: true, force: true });
      throw new Error("redis-server did not start");
    }
    child.stdout.resume();
    child.stderr.resume();
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
    return {
      url: `redis://${auth}127.0.0.1:${port}`,
      port,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end(); // the shell then stops redis-server and waits for it
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
