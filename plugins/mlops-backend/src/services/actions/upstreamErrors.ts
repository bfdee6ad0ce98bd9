import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { UpstreamError } from '../../upstreams/http';

/**
 * Runs an upstream call of an action and turns an {@link UpstreamError} into
 * the @backstage/errors class the framework maps to a status: the upstream
 * has no such object → 404; anything else that kept the action from running
 * (unreachable, timeout, the backend's own account refused…) → 503 with the
 * upstream's (already scrubbed) message. Conflict/Input errors pass through.
 */
export async function upstreamCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof UpstreamError) {
      const { upstream, message, fault } = e.problem;
      if (fault === 'not-found')
        throw new NotFoundError(`${upstream}: ${message}`);
      throw new ServiceUnavailableError(`${upstream}: ${message} (${fault})`);
    }
    throw e;
  }
}
