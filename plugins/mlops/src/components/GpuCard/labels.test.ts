import {
  gpuProduct,
  mebibytes,
  migProfiles,
  resourcesText,
  sharingText,
} from './labels';

describe('GPU node labels', () => {
  it('reads the product without the -SHARED suffix, else as published', () => {
    expect(
      gpuProduct({
        product: 'NVIDIA-GeForce-RTX-4090-SHARED',
        model: 'NVIDIA-GeForce-RTX-4090',
      }),
    ).toBe('NVIDIA-GeForce-RTX-4090');
    expect(gpuProduct({ product: 'NVIDIA-H100-80GB-HBM3' })).toBe(
      'NVIDIA-H100-80GB-HBM3',
    );
    expect(gpuProduct({ product: 42, model: ['x'] })).toBeUndefined();
    expect(gpuProduct(undefined)).toBeUndefined();
  });

  it('says MIG, time-slicing and exclusive GPUs as the labels have them', () => {
    expect(
      sharingText({
        migStrategy: 'mixed',
        migProfiles: [
          { profile: '1g.5gb', count: 1, memoryMB: 4864 },
          { profile: '3g.20gb', count: 2 },
          { count: 3 },
          'junk',
        ],
        shared: false,
      }),
    ).toBe('MIG mixed: 1g.5gb ×1, 3g.20gb ×2');
    expect(
      sharingText({
        sharingStrategy: 'time-slicing',
        replicas: 4,
        shared: true,
        migProfiles: [],
      }),
    ).toBe('time-slicing, 4 replicas per GPU (shared)');
    expect(
      sharingText({ sharingStrategy: 'none', replicas: 1, shared: false }),
    ).toBe('not shared');
    expect(sharingText({ shared: 'yes', replicas: '4' })).toBeUndefined();
    expect(sharingText({ migStrategy: 'single' })).toBe('MIG single');
  });

  it('drops MIG profiles of the wrong shape', () => {
    expect(migProfiles({ migProfiles: 'none' })).toEqual([]);
    expect(
      migProfiles({ migProfiles: [{ profile: '2g.10gb', count: '1' }] }),
    ).toEqual([{ profile: '2g.10gb' }]);
  });

  it('writes memory and resources', () => {
    expect(mebibytes(81559)).toBe('81,559 MiB');
    expect(mebibytes(undefined)).toBeUndefined();
    expect(mebibytes(Number.NaN)).toBeUndefined();
    expect(
      resourcesText({ 'nvidia.com/gpu': 2, 'nvidia.com/mig-1g.5gb': 0 }),
    ).toBe('2 nvidia.com/gpu');
    expect(resourcesText({})).toBe('');
  });
});
