/**
 * remoteRanges, the HTTP side of the ONNX scalar scan: only a 206 for exactly the asked bytes is
 * accepted; a whole-file 200 or another range is "no Range support", never misread as the bytes
 * asked for. Against a loopback server that answers as told.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { HubClient } from "../../src/model/hub/http.js";
import { remoteRanges } from "../../src/model/hub/scalars.js";
import { hubSettings } from "../../src/model/hub/settings.js";
import { NetworkError } from "../../src/util/errors.js";

const DATA = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);

describe("remoteRanges", () => {
  let server: Server;
  let origin: string;
  /** How the server answers a Range request. */
  let mode: "exact" | "whole" | "shifted" = "exact";

  before(async () => {
    server = createServer((req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (!m || mode === "whole") {
        res.writeHead(200, { "Content-Length": String(DATA.length) });
        res.end(DATA);
        return;
      }
      const start = Number(m[1]) + (mode === "shifted" ? 1 : 0);
      const end = Math.min(Number(m[2]), DATA.length - 1);
      res.writeHead(206, { "Content-Range": `bytes ${start}-${end}/${DATA.length}` });
      res.end(DATA.subarray(start, end + 1));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const ranges = () => {
    const client = new HubClient(hubSettings({ endpoint: origin, token: "" }));
    const meta = { commit: "a".repeat(40), etag: "e", size: DATA.length, url: `${origin}/f` };
    return remoteRanges(client, meta, { repo: "acme/x", revision: "main", path: "f" });
  };

  it("reads exactly the asked bytes, clipped at the end of the file, one request each", async () => {
    mode = "exact";
    const r = ranges();
    assert.deepEqual(await r.read(10, 5), DATA.subarray(10, 15));
    assert.deepEqual(await r.read(990, 64), DATA.subarray(990));
    assert.equal(r.requests, 2);
  });

  it("a whole-file answer or another range is refused as no Range support", async () => {
    for (const m of ["whole", "shifted"] as const) {
      mode = m;
      await assert.rejects(ranges().read(10, 5), (err: Error) => {
        assert.ok(err instanceof NetworkError);
        assert.match(err.message, /does not answer Range requests|answered another byte range/);
        return true;
      });
    }
  });
});
