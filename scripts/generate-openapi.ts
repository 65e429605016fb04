// Writes openapi/*.json from the route definitions. test/openapi.test.ts fails when they are stale.
import fs from 'node:fs';
import path from 'node:path';
import { openApiFiles } from '../src/http/openapi-files.js';

const dir = path.join(__dirname, '..', 'openapi');
fs.mkdirSync(dir, { recursive: true });
for (const [name, content] of Object.entries(openApiFiles())) {
  fs.writeFileSync(path.join(dir, name), content);
  console.log(`wrote openapi/${name}`);
}
