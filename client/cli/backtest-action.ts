import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { parseBacktestOptions, runBacktestCommand, summariseCapture } from './backtest-command';
import { printJson } from './output';

/**
 * `kept backtest`: the SDK's runtime is quiet (warnings from the TS side, errors from the
 * core) and leaves SIGINT/SIGTERM to the command, which stops its own run in order.
 */
export async function backtestAction(history: string, raw: Record<string, unknown>): Promise<void> {
  const options = parseBacktestOptions(raw);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const runs = await runBacktestCommand(history, options, prebuiltBundle());
  mkdirSync(options.out, { recursive: true });
  for (const run of runs) {
    const name = runs.length > 1 ? `capture-${path.basename(path.resolve(run.configDir))}.json` : 'capture.json';
    writeFileSync(path.join(options.out, name), JSON.stringify(run.capture, null, 2) + '\n');
  }
  if (options.json) printJson(runs.length > 1 ? runs.map((run) => run.capture) : runs[0]!.capture);
  else for (const run of runs) console.log(summariseCapture(run.capture));
}

/**
 * `KEPT_WORKFLOW_BUNDLE`: a workflow bundle built beforehand (bundleWorkflowCode), to skip the
 * few seconds each run spends bundling `workflows/` (tests and repeated runs).
 */
function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = z.string().min(1).optional().parse(process.env.KEPT_WORKFLOW_BUNDLE || undefined);
  return codePath ? { codePath } : undefined;
}
