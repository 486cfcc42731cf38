// A plugin for worker tests, loaded with `permafrost worker --plugin`: every before:pause records its
// idempotency key in Postgres (table hook_execution, key unique: a second run of one handler would fail
// loudly), after RECORDER_SLOW_MS of work, so a test can kill a worker mid-job.
const { definePlugin } = require('@permafrost/core/plugin');
const { DataSource } = require('typeorm');

exports.plugins = [definePlugin({
  name: 'test-recorder',
  dependsOn: ['data-layer'],
  init({ emitter, container }) {
    emitter.tap('before:pause', async (p) => {
      const slow = Number(process.env.RECORDER_SLOW_MS || 0);
      if (slow > 0) await new Promise((r) => setTimeout(r, slow));
      await container.resolve(DataSource).query('INSERT INTO hook_execution (idempotency_key, pid) VALUES ($1, $2)', [p.idempotencyKey, process.pid]);
    });
  },
})];
