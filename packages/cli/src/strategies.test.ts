import { strategyNames } from '@permafrost/plugin-cold-storage';
import { STRATEGY_CHOICES } from './strategy-names';
import { STRATEGY_PLUGINS } from './strategies';

// Unit: --strategy's static choices (help must not load the plugin) are what the booted plugins contribute.
it('STRATEGY_CHOICES lists exactly the strategies the CLI boots', () => {
  expect([...STRATEGY_CHOICES].sort()).toEqual([...strategyNames(STRATEGY_PLUGINS)].sort());
});
