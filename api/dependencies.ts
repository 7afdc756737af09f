import type { Client } from '@temporalio/client';
import type { ConfigHashOf } from '../client/config-announcer';
import type { OutlooksOf } from '../client/outlook-announcer';
import { KeptClient } from '../client/kept-client';
import { PromiseClient } from '../client/promises';
import type { EventTimeBounds } from '../common/events';
import type { ServiceProfile } from '../common/profiles/schema';
import type { ApiKeys } from './api-keys';

/** Everything the HTTP API needs; tests build the app from real ones (see api/server.ts). */
export interface ApiDependencies {
  /** A Temporal client on Kept's namespace. */
  client: Client;
  taskQueue: string;
  apiKeys: ApiKeys;
  profiles: Map<string, ServiceProfile>;
  /** Whether a brand has a service profile now (default: in `profiles`); without one an event answer warns. */
  hasServiceProfile?: (brand: string) => boolean;
  /** HMAC key of the one-click unsubscribe tokens (KEPT_UNSUBSCRIBE_SECRET). */
  unsubscribeSecret: string;
  /** Largest accepted request body in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** The clock for token expiry and default event times. */
  now?: () => Date;
  /** The window around now that live events must fall in (KEPT_MAX_FUTURE_SKEW, KEPT_MAX_EVENT_AGE). */
  eventTimeBounds?: EventTimeBounds;
  /** The brand config hash each event is sent with (client/config-announcer.ts); without it journeys read it every round. */
  configHashOf?: ConfigHashOf;
  /** The transit outlook each dispatch is sent with (client/outlook-announcer.ts); without it journeys read it themselves. */
  outlooksOf?: OutlooksOf;
  /** Problems with the configuration files now (e.g. a bad profile); any makes `/ready` answer 503. */
  configProblems?: () => string[];
}

/** The typed clients the routes use, built once per app. */
export interface ApiServices {
  deps: ApiDependencies;
  kept: KeptClient;
  promises: PromiseClient;
  now: () => Date;
}

export function buildServices(deps: ApiDependencies): ApiServices {
  return {
    deps,
    kept: new KeptClient({
      client: deps.client,
      taskQueue: deps.taskQueue,
      timeBounds: deps.eventTimeBounds,
      configHashOf: deps.configHashOf,
      outlooksOf: deps.outlooksOf,
    }),
    promises: new PromiseClient({ client: deps.client, taskQueue: deps.taskQueue, profiles: deps.profiles }),
    now: deps.now ?? (() => new Date()),
  };
}
