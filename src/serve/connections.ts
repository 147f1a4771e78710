/**
 * The server's connections and how many requests each one is being answered for, so a stopping
 * server can end at once the connections that hold no request.
 *
 * Node's `closeIdleConnections` (what fastify calls on close) ends keep-alive connections between
 * requests, but not a connection that has not sent a whole request yet: a browser's preconnected
 * socket, a client that connected and went quiet, one sending its headers slowly. The server's
 * close waits for those until the header timeout (60 s by default), so `zeroclip serve` took a
 * minute to stop with a browser tab open, and any client could hold it that long.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface Connections {
  /** Ends every connection with no request being answered, now and until the server has closed. */
  closeUnused(): void;
}

/** How often a closing server looks again for connections that have become unused (ms). */
const SWEEP_MS = 250;

export function trackConnections(server: Server): Connections {
  const answering = new Map<Socket, number>();
  server.on("connection", (socket: Socket) => {
    answering.set(socket, 0);
    socket.once("close", () => answering.delete(socket));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const n = answering.get(socket);
      if (n !== undefined) answering.set(socket, n - 1);
    });
  });
  const sweep = () => {
    for (const [socket, n] of answering) if (n === 0) socket.destroy();
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    closeUnused() {
      sweep();
      if (timer !== undefined) return;
      // A connection accepted just before the listener closed, or one whose last answer has
      // just been sent, becomes unused later: look again until the server has closed.
      timer = setInterval(sweep, SWEEP_MS);
      timer.unref();
      server.once("close", () => clearInterval(timer));
    },
  };
}
