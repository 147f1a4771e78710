/**
 * Reading SigLIP's logit_scale / logit_bias initializers from an ONNX file without running it:
 * a file written by the generator's protobuf code with a large weight before the scalars (so the
 * scan must seek past it), scalars stored as raw float32, as float_data and as float16.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readScalarInitializers } from "../../src/model/onnx-scalars.js";
import { ModelError } from "../../src/util/errors.js";
import { Msg, toBytes } from "../support/model-gen/proto.js";

const dir = mkdtempSync(join(tmpdir(), "zeroclip-scalars-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function tensor(name: string, dims: number[], type: number, fill: (m: Msg) => void): Msg {
  const t = new Msg();
  for (const d of dims) t.varint(1, d);
  t.varint(2, type);
  fill(t);
  t.string(8, name);
  return t;
}

function raw(values: Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function modelFile(): string {
  const graph = new Msg();
  const node = new Msg().string(1, "x").string(2, "y").string(4, "Identity");
  graph.message(1, node);
  graph.string(2, "g");
  // 1 MB of weights first: past the reader's 64 KiB window.
  const big = new Float32Array(256 * 1024).fill(0.25);
  graph.message(
    5,
    tensor("weight", [256, 1024], 1, (m) => m.bytes(9, raw(big))),
  );
  graph.message(
    5,
    tensor("logit_scale", [], 1, (m) => m.bytes(9, raw(Float32Array.of(4.75)))),
  );
  graph.message(
    5,
    tensor("logit_bias", [1], 1, (m) => m.float(4, -12.5)),
  );
  // float16 2.5 = 0x4100.
  graph.message(
    5,
    tensor("half", [1], 10, (m) => m.bytes(9, raw(Uint16Array.of(0x4100)))),
  );
  graph.message(
    5,
    tensor("pair", [2], 1, (m) => m.bytes(9, raw(Float32Array.of(1, 2)))),
  );
  const model = new Msg().varint(1, 8).string(2, "test").message(7, graph);
  const file = join(dir, "model.onnx");
  writeFileSync(file, toBytes(model));
  return file;
}

describe("readScalarInitializers", () => {
  it("finds scalar initializers after large weights, in every storage", async () => {
    const found = await readScalarInitializers(modelFile(), [
      "logit_scale",
      "logit_bias",
      "half",
      "pair",
      "absent",
    ]);
    assert.equal(found.get("logit_scale"), 4.75);
    assert.equal(found.get("logit_bias"), -12.5);
    assert.equal(found.get("half"), 2.5);
    assert.equal(found.has("pair"), false, "a two-element tensor is not a scalar");
    assert.equal(found.has("absent"), false);
  });

  it("a file that is not protobuf is a ModelError", async () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(
      bad,
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    );
    await assert.rejects(readScalarInitializers(bad, ["logit_scale"]), ModelError);
    await assert.rejects(readScalarInitializers(join(dir, "none.onnx"), ["x"]), ModelError);
  });
});
