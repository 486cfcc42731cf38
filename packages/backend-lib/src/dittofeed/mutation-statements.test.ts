import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// Static (no stack): every ClickHouse mutation the shipped code can send — lightweight DELETE, ALTER …
// DELETE / UPDATE, lightweight UPDATE — is deterministic: no subquery and no nondeterministic function.
// Replicated and Shared MergeTree (ClickHouse Cloud, a replicated Dittofeed) refuse anything else unless
// allow_nondeterministic_mutations = 1, which we never ask for; the deployment test shows the same
// statements as the engine recorded them with the setting at its default.
const ROOT = resolve(__dirname, '../../../..');
const SOURCE_DIRS = ['packages', 'plugins'];
/** Hostile strings the fault suite sends as values (never as SQL), e.g. "1; DELETE FROM workspace". */
const NOT_SQL = ['packages/bench/src/faults/inputs.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['node_modules', 'dist', 'testing', 'jest'].includes(name)) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Template literals and quoted strings, with where each starts. */
function literals(text: string): Array<{ value: string; start: number }> {
  return [...text.matchAll(/`((?:[^`\\]|\\.)*)`|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g)]
    .map((m) => ({ value: m[1] ?? m[2] ?? m[3] ?? '', start: m.index }));
}

const MUTATION = /\bDELETE\s+FROM\b|\bALTER\s+TABLE\b[\s\S]*?\b(DELETE|UPDATE)\b|^\s*UPDATE\s[\s\S]+?\bSET\b/i;
/** Postgres statements (TypeORM's `x.query(sql, params)`, `$1` placeholders) are not ClickHouse mutations. */
const POSTGRES_CALL = /\.query\(\s*$/;
const POSTGRES_PLACEHOLDER = /\$\d/;
const NONDETERMINISTIC = /\bSELECT\b|\b(now|now64|today|yesterday|rand\w*|generateUUID\w*|currentDatabase|randomString)\s*\(/i;

describe('ClickHouse mutations in shipped code', () => {
  const statements = SOURCE_DIRS.flatMap((d) => sourceFiles(join(ROOT, d))).filter((f) => !NOT_SQL.includes(relative(ROOT, f))).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return literals(text)
      .filter((l) => MUTATION.test(l.value) && !POSTGRES_PLACEHOLDER.test(l.value) && !POSTGRES_CALL.test(text.slice(Math.max(0, l.start - 80), l.start)))
      .map((l) => ({ where: `${relative(ROOT, file)}:${text.slice(0, l.start).split('\n').length}`, sql: l.value }));
  });

  it('finds the mutations (hot deletes after an archive, user deletes, the bench baseline)', () => {
    const files = new Set(statements.map((s) => s.where.split(':')[0]));
    expect([...files].sort()).toEqual(['packages/backend-lib/src/users.ts', 'packages/bench/src/archive-restore.ts', 'plugins/cold-storage/src/hot-events.ts']);
    console.log(statements.map((s) => `${s.where}: ${s.sql.replace(/\s+/g, ' ')}`).join('\n'));
  });

  it('none has a subquery or a nondeterministic function', () => {
    const offending = statements.filter((s) => NONDETERMINISTIC.test(s.sql));
    expect(offending).toEqual([]);
  });
});
