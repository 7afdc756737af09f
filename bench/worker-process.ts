import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { probeAnswerSchema, type ProbeAnswer, type ProbeRequest } from './worker-probe';

/**
 * A bench worker in a process of its own, so its CPU and memory are its own (read from
 * /proc), with the probe (bench/worker-probe.ts) to ask whether it has settled.
 */
export interface WorkerProcess {
  pid: number;
  probe(kind: ProbeRequest['kind']): Promise<ProbeAnswer>;
  /** Waits until the worker has had nothing in flight for `quietMs`; returns when it last worked. */
  settled(quietMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  script: 'kept-worker.ts' | 'bare-worker.ts' | 'floor-worker.ts' | 'module-heap-worker.ts';
  env: NodeJS.ProcessEnv;
}

const SETTLE_QUIET_MS = 1_500;

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  // KEPT_BENCH_CPU_PROF=<dir>: each worker writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profileDir = process.env.KEPT_BENCH_CPU_PROF;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const script = path.join(__dirname, options.script);
  const threadGc = path.join(__dirname, 'thread-gc.cjs');
  const child = spawn(process.execPath, ['--expose-gc', ...profile, '--import', 'tsx', '--require', threadGc, script], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const probe = probeClient(child, exited);
  await waitUntilPolling(probe);
  return {
    pid: child.pid!,
    probe,
    async settled(quietMs = SETTLE_QUIET_MS) {
      for (;;) {
        const status = await probe('status');
        if (status.inFlight === 0 && Date.now() - status.lastBusyAt >= quietMs) return status.lastBusyAt;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function probeClient(child: ChildProcess, exited: Promise<number | null>) {
  let nextId = 0;
  const waiting = new Map<number, (answer: ProbeAnswer) => void>();
  child.on('message', (message) => {
    const answer = probeAnswerSchema.parse(message);
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  const died = exited.then((code) => {
    throw new Error(`bench worker exited (code ${code})`);
  });
  died.catch(() => undefined);
  return (kind: ProbeRequest['kind']): Promise<ProbeAnswer> => {
    const id = (nextId += 1);
    const answered = new Promise<ProbeAnswer>((resolve) => waiting.set(id, resolve));
    child.send({ id, kind } satisfies ProbeRequest);
    return Promise.race([answered, died]);
  };
}

/** The probe answers once the worker is created, i.e. about to poll. */
async function waitUntilPolling(probe: (kind: ProbeRequest['kind']) => Promise<ProbeAnswer>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await Promise.race([
      probe('status').then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000)),
    ]);
    if (answer) return;
    if (Date.now() > deadline) throw new Error('bench worker did not start in 120 s');
  }
}
