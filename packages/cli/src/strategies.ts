import { coldStorageStrategy, parquetStrategy, strategyNames } from '@permafrost/plugin-cold-storage';

/** Strategy plugins the CLI boots beside cold storage (which brings `table`): one list for boot and for --strategy. */
export const STRATEGY_PLUGINS = [coldStorageStrategy(parquetStrategy)];

/** The --strategy choices, read from what those plugins contribute to cold storage's strategies extension point. */
export const STRATEGY_CHOICES = strategyNames(STRATEGY_PLUGINS);
