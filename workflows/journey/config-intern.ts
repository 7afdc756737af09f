import type { BrandConfig } from '../../activities/journey-config';

/**
 * One copy per worker of each brand config that journeys hold, instead of one per cached
 * journey: every journey of a brand reads the same profile and playbooks, about 13 KiB of heap
 * each time, which was the margin between a cached journey and 2× a bare workflow (issue 13).
 *
 * Workflows of a worker share this memo (workflows/shared-logic.ts). What a journey gets is the
 * config its own history holds: the memo is keyed by the config's whole text, so a journey is
 * handed an equal copy or its own, never another's; its parts are frozen, so no journey can
 * change them for another (a write fails that journey's task); cleared when full, so it stays
 * small. A replay on another worker reads the same text from its marker and plans the same.
 */
const heldConfigs = new Map<string, Readonly<ConfigParts>>();
const CONFIGS_KEPT = 64;

type ConfigParts = Pick<BrandConfig, 'profile' | 'playbooks'>;

export function internConfig(config: BrandConfig): BrandConfig {
  if (!config.profile && !config.playbooks) return config;
  const parts: ConfigParts = { profile: config.profile, playbooks: config.playbooks };
  const text = JSON.stringify(parts);
  let held = heldConfigs.get(text);
  if (!held) {
    if (heldConfigs.size >= CONFIGS_KEPT) heldConfigs.clear();
    held = deepFreeze(parts);
    heldConfigs.set(text, held);
  }
  return {
    ...config,
    ...(held.profile ? { profile: held.profile } : {}),
    ...(held.playbooks ? { playbooks: held.playbooks } : {}),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
