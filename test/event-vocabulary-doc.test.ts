import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventTypeDocs } from '../common/event-examples';
import { lifecycleEventTypes, parseLifecycleEvent } from '../common/events';
import { EVENTS_DOC_PATH, renderEventsDoc } from '../scripts/events-doc';
import { startApiProcess } from './helpers/api';

/**
 * docs/events.md, the event-vocabulary reference the README links, cannot drift from the
 * vocabulary: every type is documented with an example that the real schema accepts, and the
 * committed page is exactly what `npm run docs:events` renders from common/events.ts.
 */
const root = path.resolve(__dirname, '..');
const committedPage = readFileSync(path.join(root, EVENTS_DOC_PATH), 'utf8');

it.each(lifecycleEventTypes)('documents %s with an example the vocabulary accepts', (type) => {
  const doc = eventTypeDocs[type];
  expect(doc).toBeDefined();
  const parsed = parseLifecycleEvent(doc.example);
  expect(parsed.type).toBe(type);
  expect(committedPage).toContain(`### \`${type}\`\n`);
  expect(committedPage).toContain(JSON.stringify(doc.example, null, 2));
});

it('documents no type the vocabulary does not have', () => {
  expect(Object.keys(eventTypeDocs).sort()).toEqual([...lifecycleEventTypes].sort());
  const headings = [...committedPage.matchAll(/^### `([^`]+)`$/gm)].map((match) => match[1]);
  expect(headings.sort()).toEqual([...lifecycleEventTypes].sort());
});

it('is the page npm run docs:events renders (run it after changing the vocabulary or the examples)', () => {
  expect(committedPage).toBe(renderEventsDoc());
});

it('shows how to set name, email, locale and timezone, with a command whose event validates', () => {
  const command = committedPage.match(/^npx kept event '(.+)'$/m);
  expect(command).not.toBeNull();
  // `kept event` fills in occurredAt when it is left out.
  const event = parseLifecycleEvent({ ...JSON.parse(command![1]!), occurredAt: '2026-11-02T18:00:00Z' });
  expect(event).toMatchObject({ type: 'profile.updated', name: expect.any(String), email: expect.any(String) });
  expect(event).toHaveProperty('locale');
  expect(event).toHaveProperty('timezone');
});

it('is linked from the README', () => {
  expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(`](${EVENTS_DOC_PATH})`);
});

describe('the OpenAPI document', () => {
  /** The document /openapi.json serves, from the real API process (as test/api.test.ts starts it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document read field by field
  async function openApiDocument(): Promise<any> {
    const api = await startApiProcess({
      taskQueue: 'openapi-doc',
      keys: { 'openapi-doc': 'openapi-doc-key-0123456789' },
    });
    try {
      return await (await fetch(`${api.baseUrl}/openapi.json`)).json();
    } finally {
      await api.stop();
    }
  }

  it('shows one example per event type on POST /v1/events, each one the vocabulary accepts, and one per batch', async () => {
    const document = await openApiDocument();
    const body = document.paths['/v1/events'].post.requestBody.content['application/json'].schema;
    const variants: { example?: unknown }[] = body.oneOf ?? body.anyOf;
    const examples = variants.map((variant) => variant.example);
    expect(examples.map((example) => parseLifecycleEvent(example).type).sort()).toEqual(
      [...lifecycleEventTypes].sort(),
    );
    expect(parseLifecycleEvent(body.example).type).toBe('order.placed');

    const batch = document.paths['/v1/events/batch'].post.requestBody.content['application/json'].schema;
    expect(Array.isArray(batch.example) && batch.example.length).toBeGreaterThan(0);
    for (const event of batch.example) expect(() => parseLifecycleEvent(event)).not.toThrow();
  });
});
