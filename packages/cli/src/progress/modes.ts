/** `--progress`: `auto` = bars when stderr is a terminal and --json is off, else nothing. */
export const PROGRESS_MODES = ['auto', 'bars', 'json', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
