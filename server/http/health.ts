/** Liveness and readiness probes. Readiness turns 503 the moment draining starts, so load balancers stop routing. */
import { Router } from 'express';
import { PATHS } from '../config/contract';
import type { DrainController } from '../lifecycle/drain';

export function healthRoutes(drain: DrainController): Router {
  const router = Router();
  router.get(PATHS.healthz, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get(PATHS.readyz, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (drain.draining) res.status(503).json({ status: 'draining' });
    else res.json({ status: 'ready' });
  });
  return router;
}
