/**
 * Headless Chromium for page tests: Debian's chromium through playwright-core, with the flags
 * this machine's closed network needs, in a fresh profile directory.
 */
import { existsSync } from "node:fs";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** A skip reason when chromium is absent (never in CI, where its absence must fail). */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM) || /^(1|true|yes)$/i.test(process.env.CI ?? "")) return false;
  return `${CHROMIUM} is absent`;
}

export async function launchChromium(
  profileDir: string,
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is absent; CI requires it (apt-get install -y chromium)`);
  }
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
