#!/usr/bin/env node
import { main } from './program';

main(process.argv).then((code) => {
  // chDB's threads and pools keep the loop alive after close; the work is done and flushed.
  process.exit(code);
});
