import { InvalidInputError } from '@permafrost/core';
import type { DataLayerOptions } from '@permafrost/backend-lib';

/** Job-queue settings from the environment (every process of a fleet should agree; the first to create the queue decides). */
const SETTINGS = {
  PERMAFROST_JOB_EXPIRE_SECONDS: { key: 'expireInSeconds', min: 1 },
  PERMAFROST_JOB_RETRY_LIMIT: { key: 'retryLimit', min: 0 },
  PERMAFROST_JOB_RETRY_DELAY_SECONDS: { key: 'retryDelaySeconds', min: 1 },
  PERMAFROST_JOB_MAINTENANCE_SECONDS: { key: 'maintenanceIntervalSeconds', min: 1 },
  // pg-boss refuses cron polling intervals outside 1–45 s: say so here, naming the variable.
  PERMAFROST_JOB_CRON_POLL_SECONDS: { key: 'cronPollSeconds', min: 1, max: 45 },
} as const;

export function jobOptionsFromEnv(env: NodeJS.ProcessEnv, supervise: boolean): NonNullable<DataLayerOptions['jobs']> {
  const options: NonNullable<DataLayerOptions['jobs']> = { supervise };
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    const max = 'max' in setting ? setting.max : undefined;
    if (!Number.isInteger(value) || value < setting.min || (max !== undefined && value > max)) {
      throw new InvalidInputError(`${name} must be a whole number ${max === undefined ? `≥ ${setting.min}` : `from ${setting.min} to ${max}`}, got ${JSON.stringify(raw)}`);
    }
    options[setting.key] = value;
  }
  return options;
}
