import { proxyLocalActivities } from '@temporalio/workflow';
import type { BrandConfig, createJourneyConfigActivities } from '../../activities/journey-config';
import type { JourneyState } from './state';

const { loadBrandConfig } = proxyLocalActivities<ReturnType<typeof createJourneyConfigActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '30 seconds' },
});

/**
 * The brand's configuration as one journey run sees it. The local activity's answer lands in
 * history, so the whole config is asked for once per run (and again when its hash changes);
 * later rounds pass the hash and get back only `{ version, hash, unchanged }`. Deterministic:
 * what this object holds was read from this run's own history (an instance per run, never a
 * module-level cache, which a replay on another worker would not have).
 */
export class BrandConfigSource {
  private current?: BrandConfig;
  /** Read in this round already: planning and outreach share one answer (one marker, not two). */
  private readThisRound = false;

  /** `oncePerRound`: runs recorded before `cost-lean-round` asked at every use, and replay so. */
  constructor(
    private readonly state: JourneyState,
    private readonly oncePerRound = false,
  ) {}

  /** A new round of the journey's loop: the next load() asks again (the config may have changed). */
  nextRound(): void {
    this.readThisRound = false;
  }

  async load(): Promise<BrandConfig> {
    if (this.oncePerRound && this.readThisRound && this.current) return this.current;
    return this.receive(await loadBrandConfig(this.state.brand, this.current?.hash));
  }

  /** What the round activity asks for when it reads the config for this round (generation 3). */
  request(): { brand: string; knownHash?: string } {
    return { brand: this.state.brand, ...(this.current?.hash ? { knownHash: this.current.hash } : {}) };
  }

  /** This round's answer, read by the round activity: load() then returns it without asking again. */
  receive(answer: BrandConfig): BrandConfig {
    const config: BrandConfig =
      answer.unchanged && this.current
        ? withoutError({ ...this.current, version: answer.version }, answer.configError)
        : answer;
    this.current = config;
    this.readThisRound = true;
    noteConfigError(this.state, config.configError);
    noteBrandProfile(this.state, config);
    return config;
  }
}

function withoutError(config: BrandConfig, configError: string | undefined): BrandConfig {
  const { configError: _previous, ...rest } = config;
  return configError ? { ...rest, configError } : rest;
}

/** A journey whose brand config cannot be read says so (flag and details) until it can again. */
function noteConfigError(state: JourneyState, configError: string | undefined): void {
  if (configError) state.configError = configError;
  else delete state.configError;
}

/** Whether the brand has a service profile: without one the journey's details say why nothing is sent. */
function noteBrandProfile(state: JourneyState, config: BrandConfig): void {
  const profile = config.profile;
  state.brandProfile = profile ? { present: true, timezone: profile.businessHours.timezone } : { present: false };
}
