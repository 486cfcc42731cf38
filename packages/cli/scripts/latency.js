#!/usr/bin/env node
// Wall time of permafrost commands, each mode run N times (default 7) as a fresh process, the way an
// operator runs them: `node packages/cli/scripts/latency.js [runs]` after `npm run build`. Prints a
// markdown table (median, min, max) for docs/cli-latency.md. Uses its own data directory and instance,
// stops the stack it started, and leaves nothing running.
'use strict';
const { spawnSync } = require('node:child_process');
const { chmodSync, existsSync, mkdtempSync, rmSync } = require('node:fs');
const { loadavg, tmpdir, cpus } = require('node:os');
const { join, resolve } = require('node:path');

const runs = Number(process.argv[2] ?? 7);
const launcher = resolve(__dirname, '../bin/permafrost.js');
const dataDir = mkdtempSync(join(tmpdir(), 'permafrost-latency-'));
chmodSync(dataDir, 0o755); // the embedded Postgres runs as the `postgres` user when we are root
// No server variables: the embedded modes are what is measured (a `stack up` instance is one of them).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PERMAFROST_(S3|CLICKHOUSE|POSTGRES)_|DATABASE_URL$)/.test(k)));
Object.assign(env, { PERMAFROST_DATA_DIR: dataDir, NO_COLOR: '1' });

// GNU time, where present, reports the command's own CPU time: a figure other load on the machine
// inflates far less than wall time.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function cli(args) {
  const command = gnuTime ? [gnuTime, ['-f', '__cpu %U %S', process.execPath, launcher, ...args]] : [process.execPath, [launcher, ...args]];
  const started = process.hrtime.bigint();
  const r = spawnSync(command[0], command[1], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`permafrost ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = /__cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(label, args) {
  cli(args); // warm the file cache; not counted
  const samples = Array.from({ length: runs }, () => cli(args));
  const times = samples.map((s) => s.ms);
  return { label, median: median(times), min: Math.min(...times), max: Math.max(...times), cpu: median(samples.map((s) => s.cpuMs)) };
}

const rows = [];
const load = [];
try {
  load.push(loadavg()[0]);
  rows.push(measure('`--help`', ['--help']));
  rows.push(measure('`--version`', ['--version']));
  // Per process: every command starts the instance's embedded Postgres and S3 and opens its own chDB engine.
  const ws = JSON.parse(cli(['--json', '--instance', 'per-process', 'create', `latency-${Date.now()}`]).stdout).data.id;
  cli(['--instance', 'per-process', 'seed', '--events', '20000', '--workspace', ws]);
  rows.push(measure('`status` (embedded, per process)', ['--instance', 'per-process', 'status']));
  rows.push(measure('`plan <ws>` (embedded, per process)', ['--instance', 'per-process', 'plan', ws]));
  // Against `stack up`: Postgres, S3 and the shared engine server already run; commands connect over the network.
  cli(['--instance', 'shared', 'stack', 'up']);
  const shared = JSON.parse(cli(['--json', '--instance', 'shared', 'create', `latency-${Date.now()}`]).stdout).data.id;
  cli(['--instance', 'shared', 'seed', '--events', '20000', '--workspace', shared]);
  rows.push(measure('`status` (against `stack up`)', ['--instance', 'shared', 'status']));
  rows.push(measure('`plan <ws>` (against `stack up`)', ['--instance', 'shared', 'plan', shared]));
  rows.push(measure('`--json status` (against `stack up`)', ['--json', '--instance', 'shared', 'status']));
  load.push(loadavg()[0]);
} finally {
  spawnSync(process.execPath, [launcher, '--instance', 'shared', 'stack', 'down'], { env });
  rmSync(dataDir, { recursive: true, force: true });
}

const f = (ms) => `${Math.round(ms)}`;
process.stdout.write(`${runs} runs per mode (after one warm-up run), ${cpus().length} CPUs, 1-min load average ${load.map((l) => l.toFixed(1)).join(' → ')}, node ${process.version}\n\n`);
process.stdout.write('| mode | median ms | min ms | max ms | CPU ms (median, user+sys) |\n|---|---:|---:|---:|---:|\n');
for (const r of rows) process.stdout.write(`| ${r.label} | ${f(r.median)} | ${f(r.min)} | ${f(r.max)} | ${Number.isNaN(r.cpu) ? '–' : f(r.cpu)} |\n`);
