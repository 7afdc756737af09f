import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId, promiseWorkflowId } from '../common/ids';
import { keptSearchAttributes } from '../common/search-attributes';
import { temporalCliPath } from '../common/tools';
import { eventually, freePort } from './helpers/api';
import { startKeptWorker, stopWorker } from './helpers/temporal';
import { wallTime } from './helpers/wall-time';

/**
 * The operator's experience in the Temporal Web UI, in a real browser: Debian's headless
 * Chromium driven by playwright-core (no downloaded browser). An operator filters the
 * workflow list by a Kept search attribute, finds the customer's journey, opens it and reads
 * its plain-language summary. A screenshot is kept in test/.artifacts/.
 * This file runs its own dev server with the UI, so the shared one stays headless.
 */
const CHROMIUM = '/usr/bin/chromium';
const artifacts = path.resolve(__dirname, '.artifacts');
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(
    `\n*** ${CHROMIUM} not found: the Temporal UI browser test is SKIPPED (npm run setup installs it as root) ***\n`,
  );
}

describeWithBrowser('Temporal UI: an operator finds a journey by search attribute', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  let browser: BrowserContext;
  let userDataDir: string;
  let uiPort: number;
  const brand = 'maison-laurent';
  const customerId = `ui-${Date.now()}`;

  beforeAll(async () => {
    uiPort = await freePort();
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        ip: '127.0.0.1',
        ui: true,
        uiPort,
        searchAttributes: [...keptSearchAttributes],
        extraArgs: ['--log-level', 'error'],
      },
    });
    worker = await startKeptWorker(env);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'kept-chromium-'));
    // A fresh, empty profile each run (what playwright calls a persistent context, in a temp folder).
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 1000 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (worker) await stopWorker(worker);
    await env?.teardown();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('lists the journey for KeptCustomerId and shows its live summary and promises', async () => {
    const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
    const base = { brand, customerId, occurredAt: '2026-11-02T10:00:00Z' };
    const promisedDeliveryAt = new Date(Date.now() + 5 * 86_400_000).toISOString();
    await kept.recordEvent({ ...base, type: 'product.viewed', eventId: `${customerId}-1`, sku: 'armchair-7' });
    await kept.recordEvent({
      ...base,
      type: 'order.placed',
      eventId: `${customerId}-2`,
      occurredAt: '2026-11-03T10:00:00Z',
      orderId: 'o-ui-1',
      items: [{ sku: 'armchair-7', name: 'Velvet armchair', category: 'furniture', price: 1450 }],
      // A delivery date is a promise (the brand has a service profile): the details list it.
      promisedDeliveryAt,
    });
    const workflowId = journeyWorkflowId(brand, customerId);
    // The delivery promise is made by an activity and reported back: wait until the journey knows it.
    await eventually(async () => {
      const metadata = await env.client.workflow
        .getHandle(workflowId)
        .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toContain('delivery-o-ui-1');
    }, 60_000);

    const page = await browser.newPage();
    const query = encodeURIComponent(`KeptCustomerId="${customerId}"`);
    const listUrl = `http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`;
    // Visibility lags a start by about a second: reload until the row is there.
    await eventually(async () => {
      await page.goto(listUrl, { waitUntil: 'networkidle' });
      await page.getByText(workflowId, { exact: true }).first().waitFor({ timeout: 5_000 });
    }, 90_000);
    await screenshot(page, 'ui-journey-list.png');

    await page.getByText(workflowId, { exact: true }).first().click();
    // UI 2.54 shows the static summary and the current details under "User Metadata"; it
    // renders them (markdown) in sandboxed frames, so the text is looked for in every frame.
    await page.getByText('User Metadata', { exact: true }).first().click();
    await eventually(async () => {
      const text = await visibleText(page);
      expect(text).toContain(`Customer journey of ${customerId} at ${brand}`);
      // The current details come from the running journey (a query answered by the worker):
      // the live one-line summary first, then the promises with their due times.
      // (The order was placed weeks "ago", so its delivery promise may already be at risk.)
      expect(text).toMatch(
        new RegExp(
          `Journey of ${customerId} at ${brand} — stage: purchase; order o-ui-1 placed; promises: 1 (open|at-risk)`,
        ),
      );
      expect(text).toMatch(/(open|at-risk)\s+delivery-o-ui-1\s+due \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2}/);
      expect(text).toContain('Outreach');
    }, 60_000);
    await screenshot(page, 'ui-journey.png');
    expect(existsSync(path.join(artifacts, 'ui-journey.png'))).toBe(true);

    // The operator then lists the customer's promises: the delivery promise says when it is due
    // in the brand's own time (Maison Laurent is in Paris), as its staff would say it.
    const promiseId = promiseWorkflowId(brand, 'delivery-o-ui-1');
    const promisesQuery = encodeURIComponent(`KeptKind="promise" AND KeptCustomerId="${customerId}"`);
    await eventually(async () => {
      await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${promisesQuery}`, {
        waitUntil: 'networkidle',
      });
      await page.getByText(promiseId, { exact: true }).first().waitFor({ timeout: 5_000 });
    }, 60_000);
    await page.getByText(promiseId, { exact: true }).first().click();
    await page.getByText('User Metadata', { exact: true }).first().click();
    await eventually(async () => {
      expect(await visibleText(page)).toContain(
        `delivery promise to ${customerId}, due ${wallTime(promisedDeliveryAt, 'Europe/Paris')}, owner`,
      );
    }, 60_000);
    await screenshot(page, 'ui-promise.png');
    await page.close();
  }, 240_000);
});

/** The rendered text of the page and of every frame in it. */
async function visibleText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText({ timeout: 2_000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}
