/** DCGM exporter simulator: label order, Hostname/hostname, pod labels, MIG. */
import { startDcgmExporterSimulator } from './dcgm';

const GPUS = [
  {
    gpu: 0,
    uuid: 'GPU-1a2b3c',
    pciBusId: '00000000:3B:00.0',
    modelName: 'NVIDIA H100 80GB HBM3',
    pod: { namespace: 'ml', pod: 'llm-0', container: 'vllm' },
    utilizationPercent: 87,
    fbUsedMiB: 71234,
    powerW: 512.5,
  },
  { gpu: 1, uuid: 'GPU-4d5e6f', fbUsedMiB: 0 },
  {
    gpu: 2,
    uuid: 'GPU-7a8b9c',
    mig: { profile: '1g.10gb', instanceId: 3 },
    fbUsedMiB: 2048,
  },
];

describe('DCGM exporter simulator', () => {
  it('writes labels in the exporter order with Hostname and pod labels last', async () => {
    const sim = await startDcgmExporterSimulator({
      gpus: GPUS,
      hostname: 'node-1',
    });
    try {
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(text).toContain('# TYPE DCGM_FI_DEV_FB_USED gauge\n');
      expect(text).toContain(
        'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-1a2b3c",pci_bus_id="00000000:3B:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1",DCGM_FI_DRIVER_VERSION="550.54.15",container="vllm",namespace="ml",pod="llm-0"} 71234\n',
      );
      expect(text).toMatch(
        /DCGM_FI_DEV_POWER_USAGE\{gpu="0",[^}]*\} 512\.500000\n/,
      );
    } finally {
      await sim.stop();
    }
  });

  it('gives GPUs not held by a pod no pod/namespace/container labels at all', async () => {
    const sim = await startDcgmExporterSimulator({ gpus: GPUS });
    try {
      const line = (await (await fetch(`${sim.url}/metrics`)).text())
        .split('\n')
        .find(l => l.startsWith('DCGM_FI_DEV_FB_USED{gpu="1"'))!;
      expect(line).toBeDefined();
      expect(line).not.toMatch(/pod=|namespace=|container=/);
    } finally {
      await sim.stop();
    }
  });

  it('omits DEV_GPU_UTIL for MIG instances and adds GPU_I_PROFILE/GPU_I_ID before Hostname', async () => {
    const sim = await startDcgmExporterSimulator({ gpus: GPUS });
    try {
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(text).not.toMatch(/DCGM_FI_DEV_GPU_UTIL\{gpu="2"/);
      expect(text).toMatch(
        /DCGM_FI_DEV_FB_USED\{gpu="2",[^}]*modelName="[^"]+",GPU_I_PROFILE="1g\.10gb",GPU_I_ID="3",Hostname=/,
      );
      expect(text).toMatch(/DCGM_FI_PROF_GR_ENGINE_ACTIVE\{gpu="2"/);
    } finally {
      await sim.stop();
    }
  });

  it('switches to the lower-case hostname label of main', async () => {
    const sim = await startDcgmExporterSimulator({
      gpus: GPUS,
      hostnameLabel: 'hostname',
      hostname: 'n2',
    });
    try {
      const text = await (await fetch(`${sim.url}/metrics`)).text();
      expect(text).toContain('hostname="n2"');
      expect(text).not.toContain('Hostname=');
    } finally {
      await sim.stop();
    }
  });
});
