import { DeliveryState } from './deliveryNotice';

/** One row: what the owner of `entityRef` was last told. */
export interface StoredDeliveryState {
  entityRef: string;
  state: DeliveryState;
  verdict: string;
}

/**
 * Persisted delivery states, shared by every replica. Writes are
 * compare-and-set, so two writers racing on one transition cannot both win.
 */
export interface DeliveryStateStore {
  /** Every stored state, by entity ref. */
  list(): Promise<Map<string, StoredDeliveryState>>;
  /** Records the first state seen for an entity; keeps a state stored already. */
  initialize(
    entityRef: string,
    state: DeliveryState,
    verdict: string,
  ): Promise<void>;
  /** Moves an entity from `from` to `to`; false when its stored state is not `from` (another writer won). */
  transition(
    entityRef: string,
    from: DeliveryState,
    to: DeliveryState,
    verdict: string,
  ): Promise<boolean>;
  /** Forgets entities not in `keep` (gone from the catalog); returns how many. */
  retainOnly(keep: ReadonlySet<string>): Promise<number>;
}
