// Cold-start baseline (`npm run bench:coldstart`): a bare express app with a `/readyz` route and a JSON body parser,
// plain JavaScript so it starts exactly as `node dist/server/main.js` does (no compile step, no loader).
'use strict';
const express = require('express');

const app = express();
app.use(express.json());
app.get('/readyz', (_req, res) => res.json({ status: 'ready' }));
app.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
