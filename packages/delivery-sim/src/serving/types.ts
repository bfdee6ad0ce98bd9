/**
 * What the serving controller tells a model server stand-in about its
 * service: how many of its pods are Ready, and whether the model should be
 * loaded (false under break `model-not-ready`).
 */

export interface ServingState {
  podsReady: number;
  modelLoaded: boolean;
}

/**
 * Makes one service's inference endpoint answer as a model server with that
 * state would. Called on every tick of the serving controller; an adapter
 * acts only when what it shows changes (idempotent).
 */
export interface ServingAdapter {
  setState(state: ServingState): Promise<void>;
}

/**
 * An adapter that acts only when the state it shows changes, one call at a
 * time. `show` gets the new state and the one shown before (undefined the
 * first time); `changed` may add a reason to act again (e.g. a process that
 * exited).
 */
export function changeOnlyAdapter(
  show: (
    state: ServingState,
    previous: ServingState | undefined,
  ) => Promise<void>,
  options: {
    /** Maps a state to what is visible (default: pods ready yes/no, model loaded yes/no). */
    visible?: (state: ServingState) => string;
    /** True when the endpoint must be set again although the visible state did not change. */
    stale?: () => boolean;
  } = {},
): ServingAdapter {
  const visible =
    options.visible ??
    ((s: ServingState) => `${s.podsReady > 0}/${s.modelLoaded}`);
  let shown: ServingState | undefined;
  let chain: Promise<void> = Promise.resolve();
  return {
    setState(state) {
      const run = chain.then(async () => {
        if (
          shown &&
          visible(shown) === visible(state) &&
          !(options.stale?.() ?? false)
        )
          return;
        await show(state, shown);
        shown = { ...state };
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
