import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes; the dev-server launcher registers them, production registers them once per namespace. */
export const ReinsAgent = defineSearchAttributeKey('ReinsAgent', SearchAttributeType.KEYWORD);
export const ReinsUser = defineSearchAttributeKey('ReinsUser', SearchAttributeType.KEYWORD);
export const ReinsStatus = defineSearchAttributeKey('ReinsStatus', SearchAttributeType.KEYWORD);
export const ReinsCostUsd = defineSearchAttributeKey('ReinsCostUsd', SearchAttributeType.DOUBLE);
export const ReinsTokens = defineSearchAttributeKey('ReinsTokens', SearchAttributeType.INT);
export const ReinsPendingApprovals = defineSearchAttributeKey('ReinsPendingApprovals', SearchAttributeType.INT);
export const ReinsTeam = defineSearchAttributeKey('ReinsTeam', SearchAttributeType.KEYWORD);

export const REINS_SEARCH_ATTRIBUTE_KEYS = [
  ReinsAgent,
  ReinsUser,
  ReinsStatus,
  ReinsCostUsd,
  ReinsTokens,
  ReinsPendingApprovals,
  ReinsTeam,
] as const;
