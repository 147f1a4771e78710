/**
 * Pillow as the oracle for resampling: test/support/pillow-resize.py run by the system's Python
 * with python3-pil. Tests skip when it is absent outside CI; in CI (CI=true) they run and fail,
 * as the browser tests do with chromium (.ci/run installs python3-pil).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { RgbImage } from "../../src/image/types.js";
import { repoRoot } from "./paths.js";

const SCRIPT = join(repoRoot, "test", "support", "pillow-resize.py");
/** Debian's python first: a pyenv shim on PATH may lack the apt-installed PIL. */
const PYTHONS = [process.env.PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);

let found: string | null | undefined;

/** The first Python that imports PIL, or null. */
function python(): string | null {
  if (found === undefined) {
    found = null;
    for (const p of PYTHONS) {
      const r = spawnSync(p, ["-c", "import PIL"], { stdio: "ignore", timeout: 20_000 });
      if (r.status === 0) {
        found = p;
        break;
      }
    }
  }
  return found;
}

/** A skip reason when Python's PIL is absent (never in CI, where its absence must fail). */
export function pillowSkip(): string | false {
  if (python() || /^(1|true|yes)$/i.test(process.env.CI ?? "")) return false;
  return "python3 with PIL is absent (apt-get install -y python3-pil)";
}

export interface PillowResize {
  image: RgbImage;
  width: number;
  height: number;
  /** PIL filter id: 2 bilinear, 3 bicubic. */
  filter: number;
}

/** Pillow's `Image.resize((width, height), filter)` of each case, in one Python run. */
export function pillowResize(cases: readonly PillowResize[]): RgbImage[] {
  const py = python();
  if (!py)
    throw new Error("python3 with PIL is absent; CI requires it (apt-get install -y python3-pil)");
  const input = JSON.stringify(
    cases.map((c) => ({
      width: c.image.width,
      height: c.image.height,
      data: Buffer.from(c.image.data).toString("base64"),
      outWidth: c.width,
      outHeight: c.height,
      filter: c.filter,
    })),
  );
  const r = spawnSync(py, [SCRIPT], { input, maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pillow-resize.py failed: ${r.stderr?.toString()}`);
  const out = JSON.parse(r.stdout.toString()) as string[];
  return out.map((b64, i) => ({
    width: cases[i].width,
    height: cases[i].height,
    data: new Uint8Array(Buffer.from(b64, "base64")),
  }));
}
