// Preloaded with `node -r` by packaging tests: at exit, writes every module the process loaded (the
// CommonJS cache) to LOADED_MODULES_FILE, so a test can prove what a command did not load.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
