/**
 * The --strategy choices, known without loading the cold-storage plugin so `--help` and argument
 * checks stay fast. strategies.test.ts proves this list equals what the booted strategy plugins contribute.
 */
export const STRATEGY_CHOICES: readonly string[] = ['table', 'parquet'];
