import { DEFAULT_INSTANCE, instanceDir } from '../instance';
import type { CommandIO } from '../program/lazy-action';
import { loadDevStack } from '../servers';

export async function run(io: CommandIO): Promise<void> {
  const { stopDaemon } = await loadDevStack();
  const stopped = await stopDaemon(instanceDir(io.options.instance ?? DEFAULT_INSTANCE));
  io.out.result({ stopped }, () => (stopped ? 'stack stopped' : 'no stack was running'));
}
