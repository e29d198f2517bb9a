/** Liveness and readiness probes. Readiness turns 503 the moment draining starts, so load balancers stop routing. */
import { Router } from 'express';
import { PATHS } from '../config/contract';
import type { DrainController } from '../lifecycle/drain';

/**
 * `dependencyProblem` names a dependency the instance cannot serve without (the shared session store), or returns
 * undefined: readiness is 503 with that reason while it lasts. Liveness ignores it — a restart would not help.
 */
export function healthRoutes(
  drain: DrainController,
  dependencyProblem: () => string | undefined = () => undefined,
): Router {
  const router = Router();
  router.get(PATHS.healthz, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get(PATHS.readyz, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const problem = dependencyProblem();
    if (drain.draining) res.status(503).json({ status: 'draining' });
    else if (problem) res.status(503).json({ status: 'unavailable', reason: problem });
    else res.json({ status: 'ready' });
  });
  return router;
}
