import type { StatisticsExchange } from '../../common/anticipation/statistics-contract';
import { learnFromAnswer, learnNothing, takeStatisticsExchange } from './anticipation';
import type { BrandConfigSource } from './brand-config';
import type { RoundReadAnswers, RoundReadRequests } from './round-activity';
import type { JourneyState } from './state';

/**
 * Generation 3: when a round runs its activity anyway, that activity also reads what the
 * round's planning needs (activities/journey-round.ts). As local activities the two reads
 * cost a marker and a workflow activation each, on most order events.
 *
 * The config is asked for only when the playbooks will plan this round (the queue only grows
 * while the activity runs, so they will); otherwise outreach reads it itself if it needs it.
 * Nor when the round's events said it is unchanged (generation 7).
 */
export function roundReadRequests(
  state: JourneyState,
  config: BrandConfigSource,
  planning: boolean,
): RoundReadRequests {
  const statistics = takeStatisticsExchange(state);
  // Generation 7: not when the round's events said the config is the one held (brand-config.ts).
  const readConfig = planning && !config.knownCurrent();
  return { ...(readConfig ? { config: config.request() } : {}), ...(statistics ? { statistics } : {}) };
}

/**
 * The answers into the journey, as the local activities' answers went in. A config read that
 * failed leaves load() to ask its local activity (which retries); a statistics exchange that
 * failed puts the deliveries back to learn next round. Answers whether an outlook of an order
 * awaiting delivery was read (the late-notice planning then runs, as after exchangeStatistics).
 */
export function receiveRoundReads(
  state: JourneyState,
  config: BrandConfigSource,
  requests: RoundReadRequests,
  answers: RoundReadAnswers,
): boolean {
  if (answers.config && 'answer' in answers.config) config.receive(answers.config.answer);
  return requests.statistics ? learnStatistics(state, requests.statistics, answers) : false;
}

function learnStatistics(state: JourneyState, exchange: StatisticsExchange, answers: RoundReadAnswers): boolean {
  const answer = answers.statistics;
  if (answer && 'answer' in answer) return learnFromAnswer(state, answer.answer);
  return learnNothing(state, exchange, answer?.error ?? 'the round activity did not answer');
}
