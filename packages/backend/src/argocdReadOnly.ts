import type { NextFunction, Request, Response } from 'express';

/** Where Roadie's Argo CD backend plugin (plugin id `argocd`) is mounted. */
export const ROADIE_ARGOCD_MOUNT = '/api/argocd';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Keeps Roadie's Argo CD backend plugin read-only. It serves the data of
 * Roadie's Argo CD cards, but its `POST /sync`, `POST /createArgo` and
 * `DELETE …` routes are not behind Backstage's permission framework: any
 * signed-in user could sync or delete an application. Every change to Argo
 * CD goes through the mlops plugin's actions instead (permission
 * `mlops.argocd.sync`), so anything but a read is refused here, before
 * Roadie's router sees it.
 */
export function argocdReadOnly(
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (READ_METHODS.has(req.method)) {
    next();
    return;
  }
  res.status(403).json({
    error: {
      name: 'NotAllowedError',
      message: `${req.method} ${ROADIE_ARGOCD_MOUNT}${req.path} is disabled: Argo CD changes go through the mlops plugin (POST /api/mlops/entities/:kind/:namespace/:name/actions/sync|rollback), which checks the permission mlops.argocd.sync`,
    },
  });
}
