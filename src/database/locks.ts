/**
 * Transaction-level advisory lock keys. Price-book creation and period
 * finalization take PRICING so that no version can slip in while a period is
 * being finalized.
 */
export const AdvisoryLock = {
  PRICING: 4_711_010,
} as const;
