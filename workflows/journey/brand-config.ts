import { proxyLocalActivities } from '@temporalio/workflow';
import type { BrandConfig, createJourneyConfigActivities } from '../../activities/journey-config';
import { internConfig } from './config-intern';
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
  /** When `current` was last read (workflow time, ms). */
  private readAt = 0;
  /** Read in this round already: planning and outreach share one answer (one marker, not two). */
  private readThisRound = false;
  /** What the events accepted since the last round began said of the config (see announce()). */
  private announced?: Announcement;
  /** What this round's events said. */
  private announcedThisRound?: Announcement;

  /**
   * `oncePerRound`: runs recorded before `cost-lean-round` asked at every use, and replay so.
   * `trustsAnnouncements`: generation 7 (see announce()); earlier runs read at every round.
   */
  constructor(
    private readonly state: JourneyState,
    private readonly oncePerRound = false,
    private readonly trustsAnnouncements = false,
  ) {}

  /**
   * Generation 7: an event may carry the hash of the brand's config as its sender read it
   * (`configHash`, client/config-announcer.ts). When every event of a round says the hash
   * the journey holds, the round does not read the config again: most events (a product
   * viewed, a question asked, a survey answered) had a local activity for that read alone.
   * An event that says nothing or another hash, a round with no event (a timer's), a config
   * error on show, or a copy read more than CONFIG_TRUSTED_FOR_MS ago still reads, as before.
   * The hash is in the update's input, so a replay decides the same.
   */
  announce(configHash: string | undefined): void {
    this.announced = combine(this.announced, configHash ?? UNANNOUNCED);
  }

  /** A new round of the journey's loop: the next load() asks again (the config may have changed). */
  nextRound(): void {
    this.readThisRound = false;
    this.announcedThisRound = this.announced;
    this.announced = undefined;
  }

  /** This round's events said the config is the one held, recently read, with no error to clear. */
  knownCurrent(): boolean {
    const held = this.current;
    return (
      this.trustsAnnouncements &&
      held?.hash !== undefined &&
      this.announcedThisRound === held.hash &&
      !held.configError &&
      Date.now() - this.readAt <= CONFIG_TRUSTED_FOR_MS
    );
  }

  async load(): Promise<BrandConfig> {
    if (this.oncePerRound && this.readThisRound && this.current) return this.current;
    if (this.knownCurrent()) {
      this.readThisRound = true;
      return this.current!;
    }
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
        : internConfig(answer);
    this.current = config;
    this.readAt = Date.now();
    this.readThisRound = true;
    noteConfigError(this.state, config.configError);
    noteBrandProfile(this.state, config);
    return config;
  }
}

/**
 * An announced hash is trusted for this long after the journey last read its config: an API
 * whose config folder lags the workers' (a deployment half done) cannot hold a journey on an
 * old config for longer.
 */
export const CONFIG_TRUSTED_FOR_MS = 10 * 60_000;

/** A hash, or UNANNOUNCED once any event of the round said none or another one. */
type Announcement = string;
const UNANNOUNCED = '';

function combine(sofar: Announcement | undefined, next: Announcement): Announcement {
  return sofar === undefined || sofar === next ? next : UNANNOUNCED;
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
