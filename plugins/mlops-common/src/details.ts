/**
 * What the entity cards show beyond a signal's one-line verdict. The
 * per-entity health route (`GET /entities/:kind/:namespace/:name/health`)
 * answers them in `EntityHealth.details`; the fleet route leaves them out.
 * Every field is plain JSON: no credentials, no URLs the backend would fetch.
 */
import { BuildReport } from './build';
import { GpuNodeInfo } from './gpu';
import { SignalStatus, UpstreamProblem } from './health';
import { InferenceReport } from './inference';
import { SyncReport } from './sync';

/** One point of a time series. `t` is Unix time in milliseconds. @public */
export interface TimePoint {
  t: number;
  v: number;
}

// ---------------------------------------------------------------------------
// Workload (Kubernetes)

/** One container image as the kubelet runs it. @public */
export interface WorkloadImage {
  container: string;
  init: boolean;
  /** As written in the pod spec. */
  image: string;
  repository: string;
  tag?: string;
  /** Registry digest of what runs (from `imageID`), else the pinned digest. */
  digest?: string;
}

/** A Deployment, StatefulSet, Job, CronJob or InferenceService, judged. @public */
export interface WorkloadSummary {
  kind: string;
  namespace?: string;
  name: string;
  status: SignalStatus;
  /** e.g. "2/3 replicas ready, rollout progressing". */
  reason: string;
  /** Machine state: `available`, `progressing`, `failed`, `complete`… */
  state: string;
  ready?: number;
  desired?: number;
}

/** One pod, diagnosed. @public */
export interface PodSummary {
  namespace?: string;
  name: string;
  nodeName?: string;
  phase: string;
  status: SignalStatus;
  /** e.g. "CrashLoopBackOff: back-off restarting failed container (exit 1)". */
  reason: string;
  ready: boolean;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  /** Problem kinds: `crash-loop`, `image-pull`, `unschedulable`, `oom-killed`… */
  problems: Array<{ kind: string; severity: SignalStatus; message: string; container?: string }>;
  /** From an Unschedulable message: resources no node had enough of. */
  insufficient: Array<{ resource: string; nodes: number }>;
  images: WorkloadImage[];
}

/** One cluster's part of an entity's workload. @public */
export interface ClusterWorkloadDetail {
  cluster: string;
  workloads: WorkloadSummary[];
  pods: PodSummary[];
  /** Kinds that could not be read on this cluster. */
  problems: Array<{ kind: string } & UpstreamProblem>;
  /** Kinds still loading. */
  loading: string[];
}

/** @public */
export interface WorkloadDetail {
  /** e.g. `backstage.io/kubernetes-id=fraud-detector`. */
  selector?: string;
  namespace?: string;
  problem?: UpstreamProblem;
  clusters: ClusterWorkloadDetail[];
}

// ---------------------------------------------------------------------------
// Inference

/** Request metrics of a model server, now and over the last hour (from Prometheus). @public */
export interface ServingMetricsDetail {
  /** The Prometheus instance's name in config. */
  source: string;
  requestsPerSecond?: number;
  /** 0–1. */
  errorRate?: number;
  /** Histogram runtimes (FastAPI, vLLM). */
  p95LatencyMs?: number;
  /** Counter-only runtimes (TorchServe, Triton). */
  meanLatencyMs?: number;
  /** p95 (or mean) over the hour before the last five minutes, for "3× last hour" warnings. */
  lastHourLatencyMs?: number;
  /** Series over the last hour, one point per minute. */
  latencyMsSeries: TimePoint[];
  errorRateSeries: TimePoint[];
  requestRateSeries: TimePoint[];
}

/** @public */
export interface InferenceDetail {
  report?: InferenceReport;
  metrics?: ServingMetricsDetail;
  /** Set when Prometheus is configured but could not be read. */
  metricsProblem?: UpstreamProblem;
  /** Words for a person, e.g. "ready but p95 latency 3.2× last hour". */
  warnings: string[];
}

// ---------------------------------------------------------------------------
// GPU

/** One GPU-holding pod of the entity. @public */
export interface EntityGpuPod {
  cluster: string;
  namespace?: string;
  name: string;
  node?: string;
  scheduled: boolean;
  /** e.g. `{ "nvidia.com/gpu": 1 }`. */
  resources: Record<string, number>;
  /** From DCGM exporter metrics via Prometheus, when configured. */
  utilizationPercent?: number;
  framebufferUsedMiB?: number;
  framebufferFreeMiB?: number;
  /** Utilization over the last hour, one point per minute. */
  utilizationSeries?: TimePoint[];
}

/** @public */
export interface GpuDetail {
  pods: EntityGpuPod[];
  /** The nodes hosting those pods (product, memory, MIG, time-slicing, taints). */
  nodes: Array<GpuNodeInfo & { cluster: string }>;
  /** Held now, per resource. */
  held: Record<string, number>;
  /** Asked for by pods no node has taken. */
  waiting: Record<string, number>;
  metricsProblem?: UpstreamProblem;
}

/** Everything the entity cards need, by signal. A signal without data is absent. @public */
export interface EntityHealthDetails {
  build?: BuildReport;
  sync?: SyncReport;
  workload?: WorkloadDetail;
  inference?: InferenceDetail;
  gpu?: GpuDetail;
}
