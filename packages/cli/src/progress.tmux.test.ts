import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase } from '@permafrost/backend-lib/servers';
import { repoRoot } from '@permafrost/dev-stack';
import { buildProject, runNode, testTempDir } from '@permafrost/dev-stack/testing';

// The terminal as a person sees it: `permafrost pause` of a seeded workspace runs in a real terminal
// (tmux, 120×40) on its own embedded engine; the captured screen must show the archive's progress bar
// and the final table. Skipped, saying so, only where tmux is not installed.
const launcher = resolve(repoRoot, 'packages/cli/bin/permafrost.js');
const tmuxPresent = spawnSync('tmux', ['-V']).status === 0;
if (!tmuxPresent) process.stderr.write('progress.tmux.test: SKIPPED — tmux is not installed (apt-get install tmux), so the terminal display is not tested\n');

(tmuxPresent ? describe : describe.skip)('progress bars on a terminal (tmux)', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  // A tmux server of our own, its socket in the test's directory: never touches anyone else's sessions,
  // and the run's teardown removes the socket file.
  const socket = () => join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket(), ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    buildProject('packages/cli');
    dir = testTempDir('tmux');
    env = { ...process.env, PERMAFROST_DATA_DIR: dir, NO_COLOR: '1', DATABASE_URL: await ensureDatabase(process.env.DATABASE_URL!, `tmux_${randomBytes(5).toString('hex')}`) };
  });

  afterAll(() => {
    if (dir) spawnSync('tmux', ['-S', socket(), 'kill-server']);
  });

  it('pause shows a bar per step while it runs, then the result table', async () => {
    const created = JSON.parse((await runNode(launcher, ['--json', 'create', `tmux-${randomUUID()}`], env)).stdout).data;
    expect((await runNode(launcher, ['--json', 'seed', '--events', '6000', '--workspace', created.id], env)).code).toBe(0);

    // tmux starts the command from its server's environment: hand it ours through a script.
    const script = join(dir, 'pause.sh');
    const exports = Object.entries(env).filter(([k, v]) => v !== undefined && /^[A-Z_][A-Z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}=${shellQuote(v!)}`);
    writeFileSync(script, [...exports, `${shellQuote(process.execPath)} ${shellQuote(launcher)} pause ${created.id}`, 'echo "__EXIT $?"', 'sleep 120', ''].join('\n'));
    tmux('new-session', '-d', '-s', 'pause', '-x', '120', '-y', '40', `sh ${shellQuote(script)}`);

    let screen = '';
    const deadline = Date.now() + 150_000;
    while (!/__EXIT \d+/.test(screen) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      screen = tmux('capture-pane', '-p', '-t', 'pause');
    }
    process.stderr.write(`captured screen:\n${screen}\n`);
    expect(screen).toMatch(/__EXIT 0/);
    // The archive's bar, drawn by cli-progress: label, filled bar, partitions done of total.
    expect(screen).toMatch(/archive\s+\[█+\]\s+(\d+)\/\1 partitions/);
    // Then the result: the transition line and its hook table.
    expect(screen).toMatch(new RegExp(`pause ${created.id}: Active → Paused in \\d+ ms`));
    expect(screen).toMatch(/hook\s+plugin\s+ms\s+note/);
    expect(screen).toMatch(/after:pause\s+cold-storage\s+\d+\s+archived 6000 events/);
  });
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
