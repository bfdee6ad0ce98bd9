import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { EntityHealth, MlopsHealthApi } from '@internal/plugin-mlops-common';
import { useCallback, useEffect, useRef } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlopsHealthApiRef } from '../../api';

/** Answers younger than this are shared by every card of the page. */
const SHARE_MS = 5_000;

interface Shared {
  at: number;
  promise: Promise<EntityHealth>;
}

// One map per API instance: the cards of one entity page share one request.
const shared = new WeakMap<MlopsHealthApi, Map<string, Shared>>();

function load(
  api: MlopsHealthApi,
  entity: Entity,
  fresh: boolean,
): Promise<EntityHealth> {
  let byRef = shared.get(api);
  if (!byRef) {
    byRef = new Map();
    shared.set(api, byRef);
  }
  const key = stringifyEntityRef(entity);
  const hit = byRef.get(key);
  if (!fresh && hit && Date.now() - hit.at < SHARE_MS) return hit.promise;
  const promise = api.getEntityHealth(getCompoundEntityRef(entity));
  const entry = { at: Date.now(), promise };
  byRef.set(key, entry);
  // a failed answer is not shared: the next card (or retry) asks again
  promise.catch(() => {
    if (byRef!.get(key) === entry) byRef!.delete(key);
  });
  return promise;
}

/**
 * Every signal of the entity plus the card details, read once for all cards
 * of the page. `retry()` asks the backend again; with `refreshMs` the answer
 * is renewed in the background (the previous one stays on screen meanwhile).
 */
export function useEntityHealth(
  entity: Entity,
  options: { refreshMs?: number } = {},
) {
  const api = useApi(mlopsHealthApiRef);
  const entityRef = stringifyEntityRef(entity);
  const fresh = useRef(false);
  const state = useAsyncRetry(
    () => {
      const answer = load(api, entity, fresh.current);
      fresh.current = false;
      return answer;
    },
    // the entity object may be re-created on each render; its ref is stable
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, entityRef],
  );
  const { retry: again } = state;
  const retry = useCallback(() => {
    fresh.current = true;
    again();
  }, [again]);
  const { refreshMs } = options;
  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(retry, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, retry]);
  return { ...state, retry };
}
