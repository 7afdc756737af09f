import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Kept's custom search attributes. Every Kept workflow keeps these current so an operator can
 * find any journey, order, case or promise in the Temporal UI or with
 * `npm run temporal -- workflow list --query "KeptStage='receive'"`.
 *
 * Values are stored unencrypted: ids and categories only, never names, emails or phones.
 * The dev server's SQLite visibility allows at most 10 Keyword, 3 Int, 3 Datetime and
 * 3 KeywordList custom attributes, which is why the list is this tight.
 */
export const KeptBrand = defineSearchAttributeKey('KeptBrand', SearchAttributeType.KEYWORD);
export const KeptCustomerId = defineSearchAttributeKey('KeptCustomerId', SearchAttributeType.KEYWORD);
/** Lifecycle stage: research, compare, purchase, receive, use, repair, repurchase. */
export const KeptStage = defineSearchAttributeKey('KeptStage', SearchAttributeType.KEYWORD);
/** What the workflow is: journey, order, case, promise, sweep. */
export const KeptKind = defineSearchAttributeKey('KeptKind', SearchAttributeType.KEYWORD);
export const KeptOrderId = defineSearchAttributeKey('KeptOrderId', SearchAttributeType.KEYWORD);
export const KeptCaseId = defineSearchAttributeKey('KeptCaseId', SearchAttributeType.KEYWORD);
/** Status of the thing itself: an order's, a case's or a promise's state. */
export const KeptStatus = defineSearchAttributeKey('KeptStatus', SearchAttributeType.KEYWORD);
export const KeptOwner = defineSearchAttributeKey('KeptOwner', SearchAttributeType.KEYWORD);
export const KeptTeam = defineSearchAttributeKey('KeptTeam', SearchAttributeType.KEYWORD);
/** Flags an operator filters on, e.g. 'late', 'at-risk', 'breached', 'outreach-paused'. */
export const KeptFlags = defineSearchAttributeKey('KeptFlags', SearchAttributeType.KEYWORD_LIST);
export const KeptOpenCases = defineSearchAttributeKey('KeptOpenCases', SearchAttributeType.INT);
export const KeptOpenPromises = defineSearchAttributeKey('KeptOpenPromises', SearchAttributeType.INT);
/** The next moment something is due: a promise, a delivery date, a scheduled contact. */
export const KeptNextDueAt = defineSearchAttributeKey('KeptNextDueAt', SearchAttributeType.DATETIME);

export const keptSearchAttributes = [
  KeptBrand,
  KeptCustomerId,
  KeptStage,
  KeptKind,
  KeptOrderId,
  KeptCaseId,
  KeptStatus,
  KeptOwner,
  KeptTeam,
  KeptFlags,
  KeptOpenCases,
  KeptOpenPromises,
  KeptNextDueAt,
] as const;

/** `Name=Type` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeCliArgs(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    INT: 'Int',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
    TEXT: 'Text',
    BOOL: 'Bool',
    DOUBLE: 'Double',
  };
  return keptSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}
