/** Result printing for the CLI: stdout gets results only. */
export type Format = "table" | "json" | "jsonl";

export const FORMATS: readonly Format[] = ["table", "json", "jsonl"];

/** Default format: a readable table on a terminal, jsonl when piped. */
export function defaultFormat(stream: NodeJS.WriteStream = process.stdout): Format {
  return stream.isTTY ? "table" : "jsonl";
}

/** Round a float for output without losing meaningful precision. */
export function roundScore(x: number): number {
  return Number(x.toPrecision(6));
}

/** Print records as jsonl (one line each) or as one JSON array. */
export function printRecords(
  records: readonly unknown[],
  format: "json" | "jsonl",
  out = process.stdout,
): void {
  if (format === "json") out.write(JSON.stringify(records, null, 2) + "\n");
  else for (const r of records) out.write(JSON.stringify(r) + "\n");
}

/** A plain text table with left-aligned columns. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ");
  return (
    [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n"
  );
}
