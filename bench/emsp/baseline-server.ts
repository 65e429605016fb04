// Baseline for bench/emsp, in its own process like the platform: bare Express JSON routes that
// parse a body and answer a small JSON envelope, with no authentication, validation or storage.
import express from 'express';

const [port] = process.argv.slice(2);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json());
const answer = (data: unknown) => ({ data, status_code: 1000, timestamp: new Date().toISOString() });
app.post('/authorize', (req, res) => {
  res.json(answer({ allowed: 'ALLOWED', authorization_reference: 'x', location: req.body?.location_id ? { location_id: req.body.location_id } : undefined }));
});
app.patch('/patch', (_req, res) => {
  res.json(answer(undefined));
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
