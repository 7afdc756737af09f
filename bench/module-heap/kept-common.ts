import { condition } from '@temporalio/workflow';
import * as anticipationConditionalRisk from '../../common/anticipation/conditional-risk';
import * as anticipationLateNotice from '../../common/anticipation/late-notice';
import * as anticipationStatisticsContract from '../../common/anticipation/statistics-contract';
import * as anticipationTransitSketch from '../../common/anticipation/transit-sketch';
import * as businessTime from '../../common/business-time';
import * as events from '../../common/events';
import * as ids from '../../common/ids';
import * as instants from '../../common/instants';
import * as outreachContract from '../../common/outreach/contract';
import * as outreachPolicy from '../../common/outreach/policy';
import * as playbooksAnchors from '../../common/playbooks/anchors';
import * as playbooksChecks from '../../common/playbooks/checks';
import * as playbooksData from '../../common/playbooks/data';
import * as playbooksEngine from '../../common/playbooks/engine';
import * as playbooksSchema from '../../common/playbooks/schema';
import * as predictions from '../../common/predictions';
import * as profilesSchema from '../../common/profiles/schema';
import * as promisesCustomerContact from '../../common/promises/customer-contact';
import * as promisesSchema from '../../common/promises/schema';
import * as searchAttributes from '../../common/search-attributes';
import * as staffCustomerContext from '../../common/staff/customer-context';
import * as staffDigest from '../../common/staff/digest';
import * as staffTime from '../../common/staff/time';
import * as webhooksKeptEvents from '../../common/webhooks/kept-events';

/** Probe: the common/ modules Kept's workflows import (with their zod schemas and luxon), no workflow code. */
export const commonModules = [
  anticipationConditionalRisk,
  anticipationLateNotice,
  anticipationStatisticsContract,
  anticipationTransitSketch,
  businessTime,
  events,
  ids,
  instants,
  outreachContract,
  outreachPolicy,
  playbooksAnchors,
  playbooksChecks,
  playbooksData,
  playbooksEngine,
  playbooksSchema,
  predictions,
  profilesSchema,
  promisesCustomerContact,
  promisesSchema,
  searchAttributes,
  staffCustomerContext,
  staffDigest,
  staffTime,
  webhooksKeptEvents,
];

export async function heapProbe(): Promise<void> {
  await condition(() => false);
}
