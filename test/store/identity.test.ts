/**
 * A store's model identity covers the text side's tokenizer files (text queries go through
 * them), from the files' content; stores recorded before the tokenizer was part of the identity
 * still match the same model (compared on the key without it).
 */
import assert from "node:assert/strict";
import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readClipConfig } from "../../src/model/config.js";
import {
  assertSameModel,
  keyWithoutTokenizer,
  modelIdentity,
  sameModel,
} from "../../src/store/identity.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { StoreIdentity } from "../../src/store/types.js";
import { ModelError } from "../../src/util/errors.js";
import { makeTempDir, removeDir } from "../support/images.js";
import { ensureFixtureModel } from "../support/model-gen/index.js";
import { testIdentity } from "../support/store-contract.js";

/** An identity as stores recorded it before the tokenizer files were part of it. */
function legacy(identity: StoreIdentity): StoreIdentity {
  const { tokenizer: _, ...rest } = identity;
  return { ...rest, key: keyWithoutTokenizer(identity) };
}

describe("store identity: the tokenizer files", () => {
  let dir: string;
  let original: string;
  let copy: string;
  const identityOf = async (modelDir: string) =>
    modelIdentity(
      { dir: modelDir, dtype: "fp32", config: await readClipConfig(modelDir) },
      { cacheDir: join(dir, "cache") },
    );

  before(async () => {
    dir = await makeTempDir("zeroclip-store-identity-");
    original = await ensureFixtureModel("tiny");
    copy = join(dir, "model-copy");
    await cp(original, copy, { recursive: true });
  });
  after(() => removeDir(dir));

  it("a copy of the model in another directory has the same identity", async () => {
    const a = await identityOf(original);
    const b = await identityOf(copy);
    assert.equal(b.key, a.key);
    assert.ok(a.tokenizer && /^[0-9a-f]{64}$/.test(a.tokenizer.tokenizer));
  });

  it("another tokenizer.json or tokenizer_config.json is another model", async () => {
    const before = await identityOf(copy);
    await writeFile(join(copy, "tokenizer_config.json"), '{"model_max_length": 77, "edited": 1}');
    const edited = await identityOf(copy);
    assert.notEqual(edited.key, before.key);
    assert.equal(sameModel(before, edited), false);
    assert.throws(
      () => assertSameModel(before, edited, "photos.zcstore"),
      (err: unknown) => err instanceof ModelError && /another tokenizer/.test(err.message),
    );
  });

  it("a store recorded without the tokenizer still matches its model, and only its model", async () => {
    const current = await identityOf(original);
    const old = legacy(current);
    assert.notEqual(old.key, current.key);
    assert.ok(sameModel(old, current));
    assert.doesNotThrow(() => assertSameModel(old, current, "old.zcstore"));
    const other = { ...current, exifOrientation: false };
    assert.equal(sameModel(old, { ...other, key: "x" }), false);
    assert.equal(sameModel(old, other), false, "a field of the old key differs");
    // Through a real store file: an old store's recorded identity accepts today's identity.
    const store = await SqliteStore.open(join(dir, "old.zcstore"), {});
    try {
      await store.bind(old);
      await store.bind(current);
      assert.deepEqual(await store.identity(), old, "the recorded identity is kept");
      await assert.rejects(store.bind(testIdentity(current.dim, "z")), ModelError);
    } finally {
      await store.close();
    }
  });
});
