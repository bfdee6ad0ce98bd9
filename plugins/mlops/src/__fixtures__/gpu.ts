/** GPU Feature Discovery labels of GPU nodes, as the backend parses them. */

/** An H100 node: eight whole GPUs, not shared. */
export const H100_LABELS = {
  product: 'NVIDIA-H100-80GB-HBM3',
  model: 'NVIDIA-H100-80GB-HBM3',
  shared: false,
  count: 8,
  memoryMiB: 81559,
  family: 'hopper',
  replicas: 1,
  sharingStrategy: 'none',
  migProfiles: [],
};

/** An RTX 4090 time-sliced ×4 (renamed to a -SHARED product). */
export const RTX_4090_SHARED_LABELS = {
  product: 'NVIDIA-GeForce-RTX-4090-SHARED',
  model: 'NVIDIA-GeForce-RTX-4090',
  shared: true,
  count: 1,
  replicas: 4,
  sharingStrategy: 'time-slicing',
  migProfiles: [],
};
