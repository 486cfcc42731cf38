import { InvalidInputError } from '@permafrost/core';
import type { DataLayerOptions } from '@permafrost/backend-lib';

/** Job-queue settings from the environment (every process of a fleet should agree; the first to create the queue decides). */
const SETTINGS = {
  PERMAFROST_JOB_EXPIRE_SECONDS: 'expireInSeconds',
  PERMAFROST_JOB_RETRY_LIMIT: 'retryLimit',
  PERMAFROST_JOB_RETRY_DELAY_SECONDS: 'retryDelaySeconds',
  PERMAFROST_JOB_MAINTENANCE_SECONDS: 'maintenanceIntervalSeconds',
} as const;

export function jobOptionsFromEnv(env: NodeJS.ProcessEnv, supervise: boolean): NonNullable<DataLayerOptions['jobs']> {
  const options: NonNullable<DataLayerOptions['jobs']> = { supervise };
  for (const [name, key] of Object.entries(SETTINGS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < (key === 'retryLimit' ? 0 : 1)) throw new InvalidInputError(`${name} must be a whole number${key === 'retryLimit' ? ' ≥ 0' : ' ≥ 1'}, got ${JSON.stringify(raw)}`);
    options[key] = value;
  }
  return options;
}
