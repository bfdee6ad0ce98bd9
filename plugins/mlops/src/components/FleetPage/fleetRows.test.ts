import { EntityHealth } from '@internal/plugin-mlops-common';
import {
  JENKINS_DOWN,
  catalogEntity,
  entityHealth,
} from './__fixtures__/fleet';
import { buildRows, runtimeOf, sortRows } from './fleetRows';

const statusOf = (health: EntityHealth) => buildRows([health], [])[0].status;

describe('overall status of a model service', () => {
  it('is healthy only when the delivery chain is healthy', () => {
    expect(statusOf(entityHealth('a'))).toBe('ok');
    expect(
      statusOf(
        entityHealth('a', {
          delivery: { status: 'unknown', verdict: 'build cannot be judged' },
        }),
      ),
    ).toBe('unknown');
  });

  it('is not made unknown by a signal that does not apply, but by one that could not be read', () => {
    expect(
      statusOf(
        entityHealth('a', {
          signals: {
            gpu: { status: 'unknown', reason: 'the service asks for no GPUs' },
          },
        }),
      ),
    ).toBe('ok');
    expect(
      statusOf(
        entityHealth('a', {
          signals: {
            gpu: {
              status: 'unknown',
              reason: 'Prometheus could not be reached',
              problem: JENKINS_DOWN,
            },
          },
        }),
      ),
    ).toBe('unknown');
  });

  it('is the worst of a broken or degraded signal and the delivery verdict', () => {
    expect(
      statusOf(
        entityHealth('a', {
          signals: {
            gpu: { status: 'warning', reason: 'GPU memory 95% used' },
          },
        }),
      ),
    ).toBe('warning');
    expect(
      statusOf(
        entityHealth('a', {
          signals: { sync: { status: 'warning', reason: 'OutOfSync' } },
          delivery: { status: 'error', verdict: 'Running: CrashLoopBackOff' },
        }),
      ),
    ).toBe('error');
  });

  it('treats a missing or garbled signal or verdict as unknown, never OK', () => {
    const health = entityHealth('a');
    delete (health.signals as Partial<EntityHealth['signals']>).build;
    (health.signals.image as { status: string }).status = 'green';
    (health as { delivery?: unknown }).delivery = undefined;
    const [row] = buildRows([health], []);
    expect(row.signals.build).toMatchObject({
      status: 'unknown',
      reason: 'not in the fleet health answer',
    });
    expect(row.signals.image.status).toBe('unknown');
    expect(row.delivery).toEqual({
      status: 'unknown',
      verdict: 'no delivery verdict in the answer',
    });
    expect(row.status).toBe('unknown');
  });
});

describe('runtimeOf', () => {
  it('prefers the runtime tag over the protocol annotation', () => {
    expect(
      runtimeOf(
        catalogEntity('a', {
          tags: ['gpu', 'vllm'],
          annotations: { 'mlops.io/inference-protocol': 'openai' },
        }),
      ),
    ).toBe('vllm');
    expect(
      runtimeOf(
        catalogEntity('a', {
          tags: ['batch'],
          annotations: { 'mlops.io/inference-protocol': 'kserve-v2' },
        }),
      ),
    ).toBe('kserve-v2');
    expect(
      runtimeOf(
        catalogEntity('a', {
          annotations: { 'mlops.io/inference-protocol': 'none' },
        }),
      ),
    ).toBeUndefined();
  });
});

describe('sortRows', () => {
  it('puts services without an owner last when sorting by owner', () => {
    const rows = buildRows(
      [entityHealth('a'), entityHealth('b'), entityHealth('c')],
      [
        catalogEntity('a', { owner: 'zeta' }),
        catalogEntity('c', { owner: 'user:default/alice' }),
      ],
    );
    expect(sortRows(rows, 'owner', 'asc').map(r => r.ownerLabel)).toEqual([
      'user:alice',
      'zeta',
      undefined,
    ]);
  });
});
