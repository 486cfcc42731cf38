import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../paths';

/**
 * Tests that spawn our CLIs as real processes run the compiled output; `tsc -b` is incremental, so
 * this costs about a second when nothing changed.
 */
export function buildProject(project: string): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', resolve(repoRoot, project)], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
