import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { idSchema, timestampSchema } from '../../common/events';
import type { BacktestCapture } from '../../backtest/capture';
import {
  BacktestAbortedError,
  runBacktest,
  type BacktestProgress,
  type BacktestWhere,
} from '../../backtest/run-backtest';
import { CliError, EXIT } from './output';

/** `kept backtest` options, as commander hands them over: validated here, so a bad value names its option. */
export const backtestCommandSchema = z
  .object({
    brand: idSchema.optional(),
    config: z.string().min(1).default('config'),
    from: timestampSchema.optional(),
    to: timestampSchema.optional(),
    scoreFrom: timestampSchema.optional(),
    out: z.string().min(1).default('backtest-report'),
    concurrency: z.coerce.number().int().min(1).max(256).default(8),
    // Three by default: replay is latency-bound, not CPU-bound, so three servers pay off even on two cores.
    shards: z.coerce.number().int().min(1).max(16).default(3),
    json: z.boolean().default(false),
    compare: z.string().min(1).optional(),
  })
  .strict()
  .refine((options) => !options.from || !options.to || Date.parse(options.from) < Date.parse(options.to), {
    message: '--from must be before --to',
    path: ['from'],
  });
export type BacktestCommandOptions = z.infer<typeof backtestCommandSchema>;

export function parseBacktestOptions(raw: unknown): BacktestCommandOptions {
  const result = backtestCommandSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `--${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new CliError(problems.join('; '), EXIT.badInput);
}

/** One run of the history against one configuration folder. */
export interface BacktestRunResult {
  configDir: string;
  capture: BacktestCapture;
}

/**
 * Runs the history once (or twice with --compare: first `--config`, then the other folder),
 * with a progress bar on stderr and Ctrl-C as a clean stop: sending stops, the worker and
 * every server of the run shut down, the temporary folder goes, and the command ends with 130.
 */
export async function runBacktestCommand(
  file: string,
  options: BacktestCommandOptions,
  workflowBundle?: { codePath: string },
): Promise<BacktestRunResult[]> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const configs = options.compare ? [options.config, options.compare] : [options.config];
    const results: BacktestRunResult[] = [];
    for (const [index, configDir] of configs.entries()) {
      const label = configs.length > 1 ? `${index + 1}/${configs.length} ${configDir}` : configDir;
      // With --compare each run's mail sits next to its report: a/mail and b/mail.
      const mailFolder = configs.length > 1 ? path.join(index === 0 ? 'a' : 'b', 'mail') : 'mail';
      const capture = await runOnce(file, { configDir, label, mailFolder, workflowBundle }, options, abort.signal);
      results.push({ configDir, capture });
    }
    return results;
  } catch (error) {
    if (error instanceof BacktestAbortedError || abort.signal.aborted)
      throw new CliError('backtest interrupted: everything it started has stopped', EXIT.interrupted);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runOnce(
  file: string,
  run: { configDir: string; label: string; mailFolder: string; workflowBundle?: { codePath: string } },
  options: BacktestCommandOptions,
  signal: AbortSignal,
): Promise<BacktestCapture> {
  const { configDir, label, mailFolder, workflowBundle } = run;
  const progress = progressReporter(label);
  try {
    return await runBacktest({
      historyFile: file,
      configDir,
      ...(options.brand ? { brand: options.brand } : {}),
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
      ...(options.scoreFrom ? { scoreFrom: options.scoreFrom } : {}),
      concurrency: options.concurrency,
      shards: options.shards,
      signal,
      mailDir: path.join(options.out, mailFolder),
      onStarted: progress.started,
      ...(workflowBundle ? { workflowBundle } : {}),
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
}

/**
 * A bar on a terminal; on anything else (a pipe, a CI log) one line when the run starts and
 * one per 10 % of events, so a log still shows where it got to.
 */
function progressReporter(label: string) {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: `backtest ${label} [{bar}] {value}/{total} events | {virtual} | {eta_formatted} left`,
        stream: process.stderr,
        etaBuffer: 200,
      })
    : undefined;
  let lastTenth = -1;
  return {
    started(where: BacktestWhere) {
      process.stderr.write(
        `backtest ${label}: time-skipping server ${where.temporalAddress}, smtp 127.0.0.1:${where.smtpPort}, ` +
          `receivers 127.0.0.1:${where.receiverPort}, work folder ${where.workDir}\n`,
      );
    },
    update(progress: BacktestProgress) {
      const virtual = `${progress.phase === 'run-on' ? 'running on, ' : ''}${progress.virtualTime.slice(0, 16).replace('T', ' ')}`;
      if (bar) {
        if (!bar.isActive) bar.start(progress.eventsTotal, 0, { virtual });
        bar.update(progress.eventsDone, { virtual });
        return;
      }
      const tenth = Math.floor((progress.eventsDone / progress.eventsTotal) * 10);
      if (tenth === lastTenth && progress.phase === 'events') return;
      if (progress.phase === 'run-on' && lastTenth === 11) return;
      lastTenth = progress.phase === 'run-on' ? 11 : tenth;
      const eta = progress.etaMs !== undefined ? `, ${Math.ceil(progress.etaMs / 1000)} s left` : '';
      process.stderr.write(
        `backtest ${label}: ${progress.eventsDone}/${progress.eventsTotal} events, ${virtual}${progress.phase === 'events' ? eta : ''}\n`,
      );
    },
    stop() {
      bar?.stop();
    },
  };
}
