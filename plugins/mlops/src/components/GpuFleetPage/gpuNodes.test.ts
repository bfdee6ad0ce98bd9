import {
  a100MigNode,
  h100OverCommittedNode,
  rtx4090TimeSlicedNode,
} from './__fixtures__/gpuNodes';
import { nodeView, timeSlicedGpuNodes, totalLine, totals } from './gpuNodes';

describe('GPU totals', () => {
  it('adds up per resource and keeps idle and over-committed apart', () => {
    const nodes = [a100MigNode(), h100OverCommittedNode()].map(nodeView);
    expect(totals(nodes).map(totalLine)).toEqual([
      '12 of 10 GPUs requested (capacity 12), 0 idle, over-committed by 2',
      '2 of 7 MIG 1g.5gb slices requested, 5 idle',
      '0 of 2 MIG 3g.20gb slices requested, 2 idle',
    ]);
  });

  it('counts the time-sliced nodes whose GPUs are replicas', () => {
    expect(
      timeSlicedGpuNodes(
        [a100MigNode(), h100OverCommittedNode(), rtx4090TimeSlicedNode()].map(
          nodeView,
        ),
      ),
    ).toBe(1);
  });

  it('reads labels sent as strings too', () => {
    const node = a100MigNode();
    node.labels = { memoryMiB: '40960', count: '8', migCapable: 'true' };
    const view = nodeView(node);
    expect(view.memoryMiB).toBe(40960);
    expect(view.physical).toBe(8);
    expect(view.mig).toEqual({
      strategy: undefined,
      capable: true,
      profiles: [],
    });
  });
});
