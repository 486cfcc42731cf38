/**
 * The strategy kit: what a third strategy needs so that it is one file — the SQL of the rows an archive
 * owns, digests, pages, and the staged restore that moves verified months back hot.
 */
export { HOT_MONTH_UNDER_BOUND, WORKSPACE_MONTH, digest, throwIfAborted, assertPartitionId } from './sql';
export { pageBounds, pageFilter, type PageBounds } from './pages';
export { restoreMonthStaged, dropStaging, stagingTable, moveAll, type ColdMonthSource } from './staged-restore';
export { allSettledOrThrow } from './settle';
export { chunks, rowsPerWorkspace, waitUntilNone, WORKSPACES_PER_QUERY } from './batches';
