import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A sandbox peer's state: in memory, optionally mirrored to a JSON file so `npm start` restarts keep
 * the sandbox in step with Temporal's SQLite file. Call `changed()` after every mutation.
 */
export class Store<S> {
  private state: S;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly initial: () => S,
    private readonly file?: string,
  ) {
    this.state = file ? (load<S>(file) ?? initial()) : initial();
  }

  get data(): S {
    return this.state;
  }

  reset(): void {
    this.state = this.initial();
    this.changed();
  }

  changed(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), 100);
    this.saveTimer.unref();
  }

  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}

function load<S>(file: string): S | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as S;
  } catch {
    return undefined;
  }
}
