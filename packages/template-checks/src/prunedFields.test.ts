import { droppedFields } from './prunedFields';

describe('droppedFields', () => {
  it('lists fields that were sent but not returned, ignoring added defaults and omitted zero values', () => {
    const sent = {
      spec: {
        replicas: 2,
        nodeSelector: null,
        paused: false,
        minReadySeconds: 0,
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                livenesProbe: { httpGet: { path: '/ping' } },
                args: [],
                env: [{ name: 'X', value: '' }],
              },
              { name: 'b' },
            ],
          },
        },
      },
    };
    const returned = {
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate' },
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                terminationMessagePath: '/dev/termination-log',
                env: [{ name: 'X' }],
              },
              { name: 'b' },
            ],
          },
        },
      },
    };
    expect(droppedFields(sent, returned)).toEqual([
      'spec.template.spec.containers[0].livenesProbe',
    ]);
  });

  it('returns nothing when everything came back', () => {
    const obj = { a: { b: [1, { c: 'x' }] } };
    expect(droppedFields(obj, JSON.parse(JSON.stringify(obj)))).toEqual([]);
  });
});
