import { Entity } from '@backstage/catalog-model';
import { judgeDelivery } from '../delivery/deliveryChain';
import { deliveryStateOf, entityPageLink, ownerRefsOf } from './deliveryNotice';

const entity = (over: Partial<Entity> & { owner?: string }): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'llm-chat', namespace: 'genai' },
  spec: { type: 'model-service', owner: over.owner },
  ...over,
});

describe('deliveryNotice helpers', () => {
  it('maps the delivery status to ok, broken or nothing (unknown)', () => {
    const unknownChain = judgeDelivery({});
    expect(unknownChain.status).toBe('unknown');
    expect(deliveryStateOf(unknownChain)).toBeUndefined();
    const broken = judgeDelivery({
      build: { number: 1, result: 'FAILURE', building: false },
    });
    expect(deliveryStateOf(broken)).toBe('broken');
    expect(deliveryStateOf({ ...broken, status: 'warning' })).toBe('broken');
    expect(deliveryStateOf({ ...broken, status: 'ok' })).toBe('ok');
  });

  it("finds the owner: ownedBy relations first, else spec.owner in the entity's namespace", () => {
    expect(ownerRefsOf(entity({ owner: 'ml-platform' }))).toEqual([
      'group:genai/ml-platform',
    ]);
    expect(ownerRefsOf(entity({ owner: 'user:default/ada' }))).toEqual([
      'user:default/ada',
    ]);
    expect(
      ownerRefsOf(
        entity({
          owner: 'ignored',
          relations: [
            { type: 'ownedBy', targetRef: 'group:default/ml' },
            { type: 'partOf', targetRef: 'system:default/x' },
          ],
        }),
      ),
    ).toEqual(['group:default/ml']);
    expect(ownerRefsOf(entity({}))).toEqual([]);
  });

  it('links to the entity page', () => {
    expect(entityPageLink(entity({}))).toBe(
      '/catalog/genai/component/llm-chat',
    );
  });
});
