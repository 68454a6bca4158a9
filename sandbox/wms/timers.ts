/** Named timers the sandbox can clear on reset and stop for good on shutdown. */
export class Timers {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private isStopped = false;

  schedule(key: string, delayMs: number, run: () => void): void {
    if (this.isStopped) return;
    this.cancel(key);
    const timer = setTimeout(
      () => {
        this.pending.delete(key);
        run();
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.pending.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.pending.get(key);
    if (timer) clearTimeout(timer);
    this.pending.delete(key);
  }

  clear(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  stop(): void {
    this.isStopped = true;
    this.clear();
  }

  get stopped(): boolean {
    return this.isStopped;
  }
}
