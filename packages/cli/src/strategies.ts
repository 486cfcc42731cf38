import { coldStorageStrategy, parquetStrategy } from '@permafrost/plugin-cold-storage';

/** Strategy plugins the CLI boots beside cold storage (which brings `table`); their names are STRATEGY_CHOICES. */
export const STRATEGY_PLUGINS = [coldStorageStrategy(parquetStrategy)];
