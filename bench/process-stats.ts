import { readFileSync } from 'node:fs';

/**
 * CPU time and resident memory of any process on this machine, from /proc (Linux), so the
 * bench can charge the Temporal server and each worker for their own work and nothing else.
 */
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE_BYTES = 4096;

/** User + system CPU the process has used since it started, in milliseconds. */
export function cpuMs(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size, in bytes. */
export function rssBytes(pid: number): number {
  const residentPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return residentPages * PAGE_SIZE_BYTES;
}

/** CPU used by a group of processes between `start()` and the returned function's call. */
export function cpuMeter(pids: number[]): () => number {
  const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const before = total();
  return () => total() - before;
}
