import type { Channel, LifecycleEvent, MessageCategory } from '../common/events';

/**
 * What a backtest run observed, on the history's own timeline: the contract between the
 * engine (backtest/run-*.ts: servers, worker, replay, collection) and the report
 * (backtest/report/*: figures, prediction quality, HTML, comparison).
 *
 * Every instant here is an ISO string on the *history's* timeline (the engine shifts the
 * history onto the time-skipping server's clock and shifts what it observes back), so the
 * report can compare a message's time with the events of the same history.
 */
export interface BacktestCapture {
  /** Where the run came from, for the report's header. */
  run: {
    historyFile: string;
    configDir: string;
    brand?: string;
    from?: string;
    to?: string;
    /** Warm-up: late-delivery notices are scored only for orders placed at or after this instant. */
    scoreFrom?: string;
    /** Wall-clock duration of the replay, ms. */
    elapsedMs: number;
    /** Virtual span replayed: first event → last instant the run advanced to. */
    virtualStart: string;
    virtualEnd: string;
    /** Whole weeks the history was moved by to run on the server's clock, ms (times here are moved back). */
    shiftMs?: number;
    /** Where the captured mail was kept (`<id>.eml` + `<id>.json`, read with `npm run mail`), when it was. */
    mailDir?: string;
    /**
     * Optional: each brand's overall per-week contact cap (profile contactPolicy.caps.overall.perWeek),
     * so the report can count customers contacted more often than that in any 7 days.
     */
    weeklyCaps?: Record<string, number>;
  };
  /** The valid events replayed, in the order sent (global occurredAt order). */
  events: LifecycleEvent[];
  /** Lines of the history rejected by validation, as `kept import` reports them. */
  rejected: { line: number; error: string }[];
  /** Valid lines a journey refused when they were replayed (e.g. an order id another customer owns). */
  failedEvents?: { eventId: string; customerId: string; error: string }[];
  /** Every outreach decision the contact policy took (send / defer / suppress). */
  decisions: CapturedDecision[];
  /** Every message that went out: mail caught by the capture SMTP server, webhooks, tasks. */
  messages: CapturedMessage[];
  /** Every promise the run made, with how it ended (or 'open' at the end of the run). */
  promises: CapturedPromise[];
}

export interface CapturedDecision {
  idempotencyKey: string;
  brand: string;
  customerId: string;
  category: MessageCategory;
  /** Template the outreach would use, when known. */
  template?: string;
  /** Playbook rule that planned it, when a playbook did. */
  playbook?: string;
  decision: 'send' | 'defer' | 'suppress';
  /** Contact-policy rule behind a defer / suppress (e.g. 'quiet-hours', 'weekly-cap'). */
  rule?: string;
  decidedAt: string;
}

export interface CapturedMessage {
  idempotencyKey: string;
  brand: string;
  /** The customer the message is to or about. */
  customerId: string;
  recipientKind: 'customer' | 'person' | 'team';
  channel: Channel;
  category: MessageCategory;
  template: string;
  playbook?: string;
  /** The order the message concerns (late-delivery notices, confirmations, ...), when any. */
  orderId?: string;
  /** The sku the message concerns (replenishment, setup check-in), when any. */
  sku?: string;
  /** The case the message concerns (fix-held checks, surveys), when any. */
  caseId?: string;
  /** Human task created instead of (or as well as) a message. */
  isTask: boolean;
  sentAt: string;
  subject?: string;
  /** Email Message-ID (from the idempotency key), so an operator can open it in the captured mail. */
  messageId?: string;
}

export interface CapturedPromise {
  promiseId: string;
  brand: string;
  customerId: string;
  kind: string;
  orderId?: string;
  caseId?: string;
  madeAt: string;
  dueAt: string;
  outcome: 'kept' | 'kept-late' | 'breached' | 'renegotiated' | 'cancelled' | 'open';
  endedAt?: string;
}
