/**
 * NVIDIA DCGM exporter simulator (not dcgm-exporter): `/metrics` with the
 * default counters, the exporter's label order (`gpu, UUID, pci_bus_id,
 * device, modelName, [GPU_I_PROFILE, GPU_I_ID,] Hostname, DCGM_FI_DRIVER_VERSION,
 * [container, namespace, pod]`), the released `Hostname` vs main's `hostname`
 * spelling, pod labels only on GPUs held by a pod, no `DEV_GPU_UTIL` on MIG
 * instances, and framebuffer sizes in MiB.
 */
import { Fault } from '../common/faults';
import { Labels, PromFamily, goFixed, renderProm } from '../common/promText';
import { RecordedRequest, startSimServer } from '../common/server';
import { sendText } from '../common/respond';

export interface DcgmGpuSeed {
  gpu: number;
  uuid: string;
  pciBusId?: string;
  /** Default `nvidia<gpu>`. */
  device?: string;
  modelName?: string;
  /** MIG instance: profile (e.g. `1g.10gb`) and instance id. */
  mig?: { profile: string; instanceId: number };
  /** The pod holding this GPU (DCGM_EXPORTER_KUBERNETES=true); absent = no pod labels at all. */
  pod?: { namespace: string; pod: string; container: string };
  utilizationPercent?: number;
  memCopyUtilPercent?: number;
  /** MiB. */
  fbUsedMiB?: number;
  fbFreeMiB?: number;
  temperatureC?: number;
  powerW?: number;
  lastXid?: number;
  /** 0–1 ratio (Volta+). */
  grEngineActive?: number;
}

export interface DcgmSimulatorOptions {
  gpus: DcgmGpuSeed[];
  /** `Hostname` (released versions, default) or `hostname` (main since #655). */
  hostnameLabel?: 'Hostname' | 'hostname';
  /** `$NODE_NAME`. */
  hostname?: string;
  driverVersion?: string;
}

export interface DcgmSimulator {
  url: string;
  stop(): Promise<void>;
  setFault(fault: Fault): Promise<void>;
  requests(): RecordedRequest[];
  setGpu(gpu: number, values: Partial<DcgmGpuSeed>): void;
}

interface Counter {
  field: string;
  help: string;
  pick: (g: DcgmGpuSeed) => number | undefined;
  float?: boolean;
  skipOnMig?: boolean;
}

const COUNTERS: Counter[] = [
  {
    field: 'DCGM_FI_DEV_GPU_UTIL',
    help: 'GPU utilization (in %).',
    pick: g => g.utilizationPercent ?? 0,
    skipOnMig: true,
  },
  {
    field: 'DCGM_FI_DEV_MEM_COPY_UTIL',
    help: 'Memory utilization (in %).',
    pick: g => g.memCopyUtilPercent ?? 0,
    skipOnMig: true,
  },
  {
    field: 'DCGM_FI_DEV_FB_FREE',
    help: 'Framebuffer memory free (in MiB).',
    pick: g => g.fbFreeMiB ?? 81_000,
  },
  {
    field: 'DCGM_FI_DEV_FB_USED',
    help: 'Framebuffer memory used (in MiB).',
    pick: g => g.fbUsedMiB ?? 0,
  },
  {
    field: 'DCGM_FI_DEV_GPU_TEMP',
    help: 'GPU temperature (in C).',
    pick: g => g.temperatureC ?? 35,
  },
  {
    field: 'DCGM_FI_DEV_POWER_USAGE',
    help: 'Power draw (in W).',
    pick: g => g.powerW ?? 70,
    float: true,
  },
  {
    field: 'DCGM_FI_DEV_XID_ERRORS',
    help: 'Value of the last XID error encountered.',
    pick: g => g.lastXid ?? 0,
  },
  {
    field: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
    help: 'Ratio of time the graphics engine is active.',
    pick: g => g.grEngineActive ?? 0,
    float: true,
  },
];

export async function startDcgmExporterSimulator(
  options: DcgmSimulatorOptions,
): Promise<DcgmSimulator> {
  const gpus = options.gpus.map(g => ({ ...g }));
  const hostLabel = options.hostnameLabel ?? 'Hostname';
  const host = options.hostname ?? 'gpu-node-1';
  const driver = options.driverVersion ?? '550.54.15';

  const labelsFor = (g: DcgmGpuSeed): Labels => {
    const labels: Labels = [
      ['gpu', String(g.gpu)],
      ['UUID', g.uuid],
      [
        'pci_bus_id',
        g.pciBusId ??
          `00000000:${(0x3b + g.gpu).toString(16).toUpperCase()}:00.0`,
      ],
      ['device', g.device ?? `nvidia${g.gpu}`],
      ['modelName', g.modelName ?? 'NVIDIA H100 80GB HBM3'],
    ];
    if (g.mig)
      labels.push(
        ['GPU_I_PROFILE', g.mig.profile],
        ['GPU_I_ID', String(g.mig.instanceId)],
      );
    labels.push([hostLabel, host], ['DCGM_FI_DRIVER_VERSION', driver]);
    if (g.pod)
      labels.push(
        ['container', g.pod.container],
        ['namespace', g.pod.namespace],
        ['pod', g.pod.pod],
      );
    return labels;
  };

  const server = await startSimServer({
    name: 'dcgm-exporter',
    errorResponse: (_req, res, status) =>
      sendText(res, status, `simulated fault: HTTP ${status}\n`),
    handler: (req, res) => {
      if (req.rawPath !== '/metrics') {
        sendText(res, 404, '404 page not found\n');
        return;
      }
      const families: PromFamily[] = COUNTERS.map(c => ({
        name: c.field,
        help: c.help,
        type: 'gauge' as const,
        samples: gpus
          .filter(g => !(c.skipOnMig && g.mig))
          .map(g => {
            const v = c.pick(g) ?? 0;
            return {
              name: c.field,
              labels: labelsFor(g),
              value: c.float ? goFixed(v) : String(Math.round(v)),
            };
          }),
      })).filter(f => f.samples.length > 0);
      sendText(
        res,
        200,
        renderProm(families),
        undefined,
        'text/plain; version=0.0.4; charset=utf-8',
      );
    },
  });
  return {
    url: server.url,
    stop: () => server.stop(),
    setFault: f => server.setFault(f),
    requests: () => server.requests(),
    setGpu(gpu, values) {
      const g = gpus.find(x => x.gpu === gpu);
      if (!g) throw new Error(`dcgm simulator: no GPU ${gpu}`);
      Object.assign(g, values);
    },
  };
}
