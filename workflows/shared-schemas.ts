import * as transitSketch from '../common/anticipation/transit-sketch';
import * as statisticsContract from '../common/anticipation/statistics-contract';
import * as emailFormat from '../common/email-format';
import * as eventContext from '../common/event-context';
import * as events from '../common/events';
import * as outreachContract from '../common/outreach/contract';
import * as playbooksSchema from '../common/playbooks/schema';
import * as profilesSchema from '../common/profiles/schema';
import * as promisesCustomerContact from '../common/promises/customer-contact';
import * as promisesSchema from '../common/promises/schema';
import * as staffCustomerContext from '../common/staff/customer-context';
import * as staffDigest from '../common/staff/digest';
import * as sweepSchema from '../common/sweep/schema';
import * as webhooksKeptEvents from '../common/webhooks/kept-events';
import { readyForFreeze } from './freeze-ready';

/**
 * Kept's schema modules, loaded ONCE per worker like zod and luxon (workflows/shared-libraries.ts)
 * instead of once per cached workflow: building their zod schemas is most of the heap a cached
 * workflow costs (issue 13).
 *
 * Only pure schema modules belong here: zod schemas, constants and pure functions, importing
 * nothing but zod and each other. Preloaded modules are shared by every workflow of a worker,
 * so a cache, a counter or any other module-level state would leak between workflows, and an
 * import of @temporalio/workflow would share the SDK's per-workflow state. The SDK deep-freezes
 * them; freeze-ready.ts explains what zod needs done first. test/workflow-bundle.test.ts checks
 * that these modules, and no other Kept module, are shared, and that they parse in a workflow.
 *
 * The keys are the modules' paths from the repository root, for that test.
 */
export const sharedSchemaModules = {
  'common/anticipation/statistics-contract': statisticsContract,
  'common/anticipation/transit-sketch': transitSketch,
  'common/email-format': emailFormat,
  'common/event-context': eventContext,
  'common/events': events,
  'common/outreach/contract': outreachContract,
  'common/playbooks/schema': playbooksSchema,
  'common/profiles/schema': profilesSchema,
  'common/promises/customer-contact': promisesCustomerContact,
  'common/promises/schema': promisesSchema,
  'common/staff/customer-context': staffCustomerContext,
  'common/staff/digest': staffDigest,
  'common/sweep/schema': sweepSchema,
  'common/webhooks/kept-events': webhooksKeptEvents,
};

readyForFreeze(Object.values(sharedSchemaModules));
