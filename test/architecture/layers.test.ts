/**
 * The house rules of docs/architecture.md, checked on every run: no import loops (type-only
 * imports included), and layers that point down only: transport knows no hub and no module,
 * delivery knows no module, the object model and the context type are leaves, and only the
 * registry reaches into a version's folder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
let tree: Record<string, Array<{ id: string | null }> | null>;
let circulars: string[][];

beforeAll(() => {
  // dpdm (ESM inside) runs as its own process; `-T false` keeps type-only imports: a loop through
  // types is a loop too.
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layers-')), 'graph.json');
  execFileSync(
    process.execPath,
    [require.resolve('dpdm/lib/bin/dpdm.js'), '--no-warning', '--no-tree', '--no-circular', '-T', 'false', '--exclude', 'generated|node_modules', '-o', out, 'src/**/*.ts'],
    { cwd: ROOT, stdio: 'ignore' },
  );
  ({ tree, circulars } = JSON.parse(fs.readFileSync(out, 'utf8')) as { tree: typeof tree; circulars: string[][] });
}, 60_000);

const importsOf = (file: string) => (tree[file] ?? []).map((d) => d.id).filter((id): id is string => id !== null);

test('there is no import loop, type-only imports included', () => {
  expect(circulars.map((loop) => loop.join(' -> '))).toEqual([]);
});

test.each([
  ['src/ocpi/', ['src/hub/', 'src/modules/', 'src/delivery/', 'src/admin/', 'src/backends/', 'src/platform/parties/']],
  ['src/delivery/', ['src/modules/', 'src/hub/', 'src/backends/', 'src/admin/', 'src/jobs/']],
  ['src/tariffs/', ['src/modules/', 'src/hub/', 'src/delivery/', 'src/admin/', 'src/db/']],
  ['src/db/', ['src/modules/', 'src/hub/', 'src/delivery/', 'src/admin/', 'src/ocpi/']],
])('%s imports nothing from the layers above it', (layer, above) => {
  const offending = Object.keys(tree)
    .filter((file) => file.startsWith(layer))
    .flatMap((file) =>
      importsOf(file)
        .filter((dep) => above.some((a) => dep.startsWith(a)))
        .map((dep) => `${file} -> ${dep}`),
    );
  expect(offending).toEqual([]);
});

test('the object model (src/model) imports nothing of ours but itself', () => {
  const offending = Object.keys(tree)
    .filter((file) => file.startsWith('src/model/'))
    .flatMap((file) =>
      importsOf(file)
        .filter((dep) => dep.startsWith('src/') && !dep.startsWith('src/model/'))
        .map((dep) => `${file} -> ${dep}`),
    );
  expect(offending).toEqual([]);
});

test("no file outside a version's folder imports from it, but the registry of descriptors", () => {
  const versionFolder = /^src\/modules\/\d+\.\d+(\.\d+)?\//;
  const offending = Object.keys(tree)
    .filter((file) => file.startsWith('src/') && file !== 'src/modules/registry.ts')
    .flatMap((file) =>
      importsOf(file)
        .filter((dep) => versionFolder.test(dep) && dep.split('/').slice(0, 3).join('/') !== file.split('/').slice(0, 3).join('/'))
        .map((dep) => `${file} -> ${dep}`),
    );
  expect(offending).toEqual([]);
  expect(Object.keys(tree).some((file) => versionFolder.test(file))).toBe(true);
});

test('the context type is a leaf: it imports nothing of ours', () => {
  expect(importsOf('src/context.ts').filter((dep) => dep.startsWith('src/'))).toEqual([]);
  expect(Object.keys(tree).length).toBeGreaterThan(150);
});
