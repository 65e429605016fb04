// Baselines for bench/cpo and bench/scale, in their own process like the platform: a bare Express
// route sending fixed bytes from memory (the framework's ceiling), a bare Express JSON PATCH
// route (parses the body, answers a small envelope: the ceiling of a write) and a bare Express +
// Prisma findMany of the same rows (what a straightforward ORM implementation costs).
import fs from 'node:fs';
import express from 'express';
import { createPrisma } from '../../src/db/prisma.js';

const [port, bytesFile, databaseUrl, schema] = process.argv.slice(2);
const bytes = fs.readFileSync(bytesFile);
const db = createPrisma(databaseUrl, schema, 10);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/bare', (_req, res) => {
  res.type('application/json').send(bytes);
});
app.patch('/patch', express.json(), (_req, res) => {
  res.json({ data: null, status_code: 1000, timestamp: new Date().toISOString() });
});
app.get('/prisma', async (req, res) => {
  const rows = await db.ownLocation.findMany({
    where: { partyKey: 'NLCPO' },
    orderBy: [{ lastUpdated: 'asc' }, { locationKey: 'asc' }],
    skip: Number(req.query.offset ?? 0),
    take: 100,
  });
  res.json({ data: rows.map((r) => r.document), status_code: 1000, timestamp: new Date().toISOString() });
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
