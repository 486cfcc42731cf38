import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths';

// The README's `// readme: compile` snippets are type-checked against the packages' sources, with the
// same compiler options as the tests, so the docs cannot drift from the API.
describe('README snippets', () => {
  const readme = readFileSync(resolve(repoRoot, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/```ts\n(\/\/ readme: compile\n[\s\S]*?)```/g)].map((m) => m[1]!);

  it('has snippets to check', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
  });

  it('every snippet compiles', () => {
    const dir = resolve(repoRoot, '.permafrost-data', 'readme-snippets');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = snippets.map((code, i) => {
      const file = join(dir, `snippet-${i + 1}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const config = ts.getParsedCommandLineOfConfigFile(resolve(repoRoot, 'tsconfig.tests.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.includes(resolve(d.file.fileName)));
    const messages = diagnostics.map((d) => `${d.file!.fileName}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
  });
});
