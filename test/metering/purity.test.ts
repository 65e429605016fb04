/**
 * The verifier stays pure: src/metering imports only itself, the object model (src/model), Node's
 * crypto and zod. No database, no HTTP, no module: the cdrs service calls it, never the reverse.
 */
import fs from 'node:fs';
import path from 'node:path';

const FOLDER = path.join(__dirname, '..', '..', 'src', 'metering');
const SRC = path.join(__dirname, '..', '..', 'src');

test('src/metering imports nothing of ours but itself and src/model, and no package but zod', () => {
  const files = fs.readdirSync(FOLDER).filter((f) => f.endsWith('.ts'));
  expect(files).toEqual(expect.arrayContaining(['verify.ts', 'ocmf.ts', 'ecdsa.ts', 'index.ts']));
  const offending = files.flatMap((file) => {
    const text = fs.readFileSync(path.join(FOLDER, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    return specifiers
      .filter((s) => {
        if (s.startsWith('.')) {
          const target = path.relative(SRC, path.resolve(FOLDER, s));
          return !(target.startsWith('metering') || target.startsWith('model'));
        }
        return !(s === 'zod' || s === 'node:crypto');
      })
      .map((s) => `${file} -> ${s}`);
  });
  expect(offending).toEqual([]);
});
