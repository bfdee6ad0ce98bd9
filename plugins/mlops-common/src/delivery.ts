import { EntityHealthDetails } from './details';
import { SignalHealth, SignalKind, SignalStatus, UpstreamLink } from './health';

/** The steps of a model service's delivery, in order. @public */
export type DeliveryStepId = 'commit' | 'build' | 'image' | 'desired' | 'synced' | 'running' | 'serving';

/** One step of the delivery chain as the delivery card shows it. @public */
export interface DeliveryStep {
  id: DeliveryStepId;
  title: string;
  status: SignalStatus;
  /** What this step knows, e.g. "build 42 succeeded (a1b2c3d)". */
  summary: string;
  /** When this step last changed (ISO), if known. */
  at?: string;
  link?: UpstreamLink;
}

/** The delivery chain commit → build → image → desired → synced → running → serving. @public */
export interface DeliveryView {
  steps: DeliveryStep[];
  /** The first step that is broken (status error or warning), if any. */
  firstBroken?: DeliveryStepId;
  /** One sentence: where the chain breaks, or that it delivers end to end. */
  verdict: string;
  status: SignalStatus;
}

/** Answer of `GET /entities/:kind/:namespace/:name/health`: every signal plus the delivery chain. @public */
export interface EntityHealth {
  entityRef: string;
  signals: Record<SignalKind, SignalHealth>;
  delivery: DeliveryView;
  checkedAt: string;
  /**
   * What the entity cards show (builds, Argo CD apps, pods, inference
   * metrics, GPUs). Only the per-entity route answers it; fleet views omit it.
   */
  details?: EntityHealthDetails;
}
