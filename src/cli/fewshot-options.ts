/** Options that `adapt` and `eval --train` share, and their parsers. */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_AUGMENT_VIEWS } from "../adapt/adapt.js";
import { ADAPTER_METHODS, type AdapterMethod, isAdapterMethod } from "../adapt/adapter.js";
import { DEFAULT_TIP_GRID, type TipSearchGrid } from "../adapt/search.js";
import { nonNegativeInt } from "./common.js";

export interface FewShotFlags {
  augmentViews: number;
  searchScale?: Partial<TipSearchGrid>;
  searchSteps?: Partial<TipSearchGrid>;
}

function numbers(flag: string, text: string, integer: boolean): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const values = parts.map(Number);
  const ok = (v: number) => (integer ? Number.isInteger(v) && v >= 1 : v > 0 && Number.isFinite(v));
  if (parts.some((p) => p === "") || !values.every(ok)) {
    throw new InvalidArgumentError(
      `${flag} takes comma-separated ${integer ? "positive integers" : "positive numbers"}`,
    );
  }
  return values;
}

/** `B,A[,G]`: Bmax, Amax and (TIP-X) Gmax of the search grids. */
export function parseSearchScale(text: string): Partial<TipSearchGrid> {
  const v = numbers("--search-scale", text, false);
  if (v.length < 2 || v.length > 3)
    throw new InvalidArgumentError("--search-scale takes B,A or B,A,G");
  return { betaScale: v[0], alphaScale: v[1], ...(v.length > 2 ? { gammaScale: v[2] } : {}) };
}

/** `NB,NA[,NG]`: the number of β, α and (TIP-X) γ values searched. */
export function parseSearchSteps(text: string): Partial<TipSearchGrid> {
  const v = numbers("--search-steps", text, true);
  if (v.length < 2 || v.length > 3)
    throw new InvalidArgumentError("--search-steps takes NB,NA or NB,NA,NG");
  return { betaSteps: v[0], alphaSteps: v[1], ...(v.length > 2 ? { gammaSteps: v[2] } : {}) };
}

/** A comma-separated list of positive integers (`--shots 1,2,4`). */
export function positiveIntList(flag: string) {
  return (text: string): number[] => {
    const v = numbers(flag, text, true);
    if (new Set(v).size !== v.length) throw new InvalidArgumentError(`${flag} lists a value twice`);
    return v;
  };
}

/** A comma-separated list of non-negative integers (`--seeds 1,2,3`). */
export function seedList(text: string): number[] {
  const v = text.split(",").map((s) => nonNegativeInt("--seeds")(s.trim()));
  if (new Set(v).size !== v.length) throw new InvalidArgumentError("--seeds lists a seed twice");
  return v;
}

/** Adapter methods, comma-separated. */
export function methodList(text: string): AdapterMethod[] {
  const v = text.split(",").map((s) => s.trim());
  const bad = v.find((m) => !isAdapterMethod(m));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `unknown method ${JSON.stringify(bad)} (${ADAPTER_METHODS.join(", ")})`,
    );
  }
  if (new Set(v).size !== v.length) throw new InvalidArgumentError("--method lists a method twice");
  return v as AdapterMethod[];
}

export function nonNegativeNumber(flag: string) {
  return (text: string): number => {
    const v = Number(text);
    if (!(v >= 0 && Number.isFinite(v)))
      throw new InvalidArgumentError(`${flag} must be a number ≥ 0`);
    return v;
  };
}

/** Add --augment-views, --search-scale and --search-steps. */
export function addFewShotOptions(cmd: Command): Command {
  const g = DEFAULT_TIP_GRID;
  return cmd
    .option(
      "--augment-views <n>",
      "augmented views per support image (random resized crop + flip); 0 = plain centre crop",
      nonNegativeInt("--augment-views"),
      DEFAULT_AUGMENT_VIEWS,
    )
    .option(
      "--search-scale <B,A[,G]>",
      `largest β, α (and TIP-X γ) searched (default ${g.betaScale},${g.alphaScale},${g.gammaScale})`,
      parseSearchScale,
    )
    .option(
      "--search-steps <NB,NA[,NG]>",
      `values of β, α (and TIP-X γ) searched (default ${g.betaSteps},${g.alphaSteps},${g.gammaSteps})`,
      parseSearchSteps,
    );
}

/** The search grid from --search-scale and --search-steps. */
export function gridFromFlags(flags: FewShotFlags): Partial<TipSearchGrid> {
  return { ...flags.searchScale, ...flags.searchSteps };
}
