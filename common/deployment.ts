import type { KeptEnv } from './config';

/**
 * Safe to deploy: outside development, Kept refuses to start with the secrets and API keys
 * that ship in the repository (anyone can read them there: forged unsubscribe links, forged
 * webhook signatures, any brand's data). Development is the embedded stack of `npm start`;
 * a TEMPORAL_ADDRESS (a server of your own) or NODE_ENV=production means a deployment.
 */
export function isDeployment(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production' || Boolean(env.TEMPORAL_ADDRESS);
}

/** Every committed development secret and key says so: `...change-me...`. */
export const isDevelopmentPlaceholder = (value: string): boolean => /change-me/i.test(value);

export interface DeploymentFacts {
  role: 'api' | 'worker';
  env: KeptEnv;
  /** Brands whose API key is a committed development key (API only). */
  brandsWithDevelopmentKeys?: readonly string[];
}

/** What must change before this process may run in a deployment, one line per variable to set. */
export function deploymentProblems({ role, env, brandsWithDevelopmentKeys = [] }: DeploymentFacts): string[] {
  const problems: string[] = [];
  if (isDevelopmentPlaceholder(env.KEPT_UNSUBSCRIBE_SECRET)) {
    problems.push('KEPT_UNSUBSCRIBE_SECRET: set a random secret of 32+ characters (the development secret is public)');
  }
  if (role === 'worker' && isDevelopmentPlaceholder(env.KEPT_WEBHOOK_SECRET)) {
    problems.push('KEPT_WEBHOOK_SECRET: set a random secret of 32+ characters (the development secret is public)');
  }
  if (role === 'worker' && !env.KEPT_PUBLIC_URL) {
    problems.push(
      'KEPT_PUBLIC_URL: set the public base URL of the HTTP API (unsubscribe links would point at localhost)',
    );
  }
  if (role === 'api' && brandsWithDevelopmentKeys.length > 0) {
    problems.push(
      `KEPT_API_KEYS (or KEPT_API_KEYS_FILE): replace the development API keys of ${brandsWithDevelopmentKeys.join(', ')}`,
    );
  }
  return problems;
}

/** Stops start-up (before any connection) when a deployment still uses development secrets. */
export function assertSafeToDeploy(processEnv: NodeJS.ProcessEnv, facts: DeploymentFacts): void {
  if (!isDeployment(processEnv)) return;
  const problems = deploymentProblems(facts);
  if (problems.length === 0) return;
  const why = processEnv.NODE_ENV === 'production' ? 'NODE_ENV=production' : 'TEMPORAL_ADDRESS is set';
  throw new UnsafeDeploymentError(
    `kept ${facts.role}: refusing to start (${why}, so this is a deployment):\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
}

export class UnsafeDeploymentError extends Error {
  override name = 'UnsafeDeploymentError';
}
