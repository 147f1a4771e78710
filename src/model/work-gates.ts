/** Small concurrency gates the image batcher uses: a task limiter and a weighted pixel gate. */

/** Run at most `n` of the tasks handed to it at a time, in the order given. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * At most `cap` pixels held at once (0 = no cap), first come first served; a weight larger than
 * the cap alone passes when nothing else is held.
 */
export class PixelGate {
  private held = 0;
  private readonly waiters: { px: number; go: () => void }[] = [];

  constructor(readonly cap: number) {}

  /** Resolves once `px` more pixels may be held. */
  acquire(px: number): Promise<void> {
    if (this.cap === 0 || px === 0) return Promise.resolve();
    if (this.waiters.length === 0 && this.fits(px)) {
      this.held += px;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiters.push({ px, go }));
  }

  release(px: number): void {
    if (this.cap === 0 || px === 0) return;
    this.held -= px;
    while (this.waiters.length > 0 && this.fits(this.waiters[0].px)) {
      const next = this.waiters.shift()!;
      this.held += next.px;
      next.go();
    }
  }

  private fits(px: number): boolean {
    return this.held === 0 || this.held + px <= this.cap;
  }
}
