import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, read from its package.json (src/ and dist/ sit at the same depth). */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
