import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadKeptEnv } from '../common/config';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/**
 * Where Kept's Temporal server is. Standard Temporal configuration wins
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_CERT_PATH, ...,
 * TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE through @temporalio/envconfig), so the same
 * settings reach a self-hosted cluster or Temporal Cloud; without any, Kept uses the
 * embedded dev server from `npm start`.
 */
export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const kept = loadKeptEnv(env);
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: definedOnly(env),
  });
  return {
    connectionOptions: {
      ...connectionOptions,
      // The embedded dev server of `npm start` listens on 127.0.0.1 (not ::1, where localhost may resolve first).
      address: connectionOptions.address ?? `127.0.0.1:${kept.KEPT_TEMPORAL_PORT}`,
    },
    namespace: namespace ?? kept.KEPT_NAMESPACE,
  };
}

/** A Temporal client for the configured target. Close `client.connection` when done. */
export async function connectClient(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const { connectionOptions, namespace } = temporalTarget(env);
  const connection = await Connection.connect({
    address: connectionOptions.address,
    tls: connectionOptions.tls,
    apiKey: connectionOptions.apiKey,
    metadata: connectionOptions.metadata,
  });
  return new Client({ connection, namespace });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
