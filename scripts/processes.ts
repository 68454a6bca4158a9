import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { stopProcess } from './devServer';

const colours = [36, 33, 35, 32, 34, 31];

/** Writes each line of a child's output to ours, prefixed with the child's name. */
export function prefixLines(stream: Readable | null, name: string, out: Writable, colourIndex = 0): void {
  if (!stream) return;
  const colour = colours[colourIndex % colours.length];
  const prefix = out === process.stdout && process.stdout.isTTY ? `\x1b[${colour}m[${name}]\x1b[0m ` : `[${name}] `;
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

export interface NamedProcess {
  name: string;
  child: ChildProcess;
}

/** Runs a TypeScript entry point with the same Node and tsx, output prefixed. */
export function runTs(name: string, entry: string, env: NodeJS.ProcessEnv, colourIndex: number): NamedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(child.stdout, name, process.stdout, colourIndex);
  prefixLines(child.stderr, name, process.stderr, colourIndex);
  return { name, child };
}

/** Stops processes in reverse start order, each with SIGTERM then SIGKILL after the grace period. */
export async function stopAll(processes: readonly NamedProcess[], graceMs = 10_000): Promise<void> {
  for (const { child } of [...processes].reverse()) await stopProcess(child, graceMs);
}
