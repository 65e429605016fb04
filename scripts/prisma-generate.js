// `prisma generate` tries to download the native schema engine first unless it is told where one is.
// Generation never runs it, so any existing file satisfies the check; this keeps generation offline.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const cli = path.join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
execFileSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], { stdio: ['ignore', 'ignore', 'inherit'], env });
