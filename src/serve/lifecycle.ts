/**
 * Run a built server until SIGTERM or SIGINT: listen, warm the model up, and on the signal stop
 * accepting, let the requests in flight finish, close. A second signal (or the grace period
 * running out) cuts the remaining connections.
 */
import type { FastifyInstance } from "fastify";
import { UsageError } from "../util/errors.js";

export interface ListenOptions {
  host: string;
  port: number;
  /** How long requests in flight may take after the signal before being cut (ms). */
  graceMs: number;
  /** Signals that stop the server (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
}

export interface RunningServer {
  /** The address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Resolves with the exit code once the server has closed: 0 after a clean drain, else 1. */
  closed: Promise<number>;
}

export async function serveUntilSignal(
  app: FastifyInstance,
  opts: ListenOptions,
): Promise<RunningServer> {
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  let stopping: Promise<number> | undefined;
  let forced = false;
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => {
    resolveClosed = r;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      forced = true;
      app.log.warn({ signal }, "second signal: cutting the connections still open");
      app.server.closeAllConnections();
      return;
    }
    app.log.info({ signal }, "stopping: no new connections, finishing the requests in flight");
    const timer = setTimeout(() => {
      forced = true;
      app.log.error(
        { graceMs: opts.graceMs },
        "requests still in flight after the grace period: cutting them",
      );
      app.server.closeAllConnections();
    }, opts.graceMs);
    timer.unref();
    stopping = app.close().then(
      () => {
        clearTimeout(timer);
        app.log.info("stopped");
        return forced ? 1 : 0;
      },
      (err: unknown) => {
        app.log.error({ err }, "error while stopping");
        return 1;
      },
    );
    stopping.then((code) => {
      for (const s of signals) process.off(s, onSignal);
      resolveClosed(code);
    });
  };
  for (const s of signals) process.on(s, onSignal);
  let url: string;
  try {
    url = await app
      .listen({ host: opts.host, port: opts.port })
      .catch((err: NodeJS.ErrnoException) => {
        const why = err.code === "EADDRINUSE" ? "the address is in use" : (err.code ?? err.message);
        throw new UsageError(`cannot listen on ${opts.host}:${opts.port}: ${why}`);
      });
    app.log.info({ url }, "listening");
    await app.warmUp();
    app.log.info({ url }, "ready: model loaded");
  } catch (err) {
    for (const s of signals) process.off(s, onSignal);
    await app.close();
    throw err;
  }
  return { url, closed };
}
