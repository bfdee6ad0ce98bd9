import { InferenceService, Service } from '../../upstreams/kubernetes/types';
import { deriveInferenceEndpoint } from './derivedEndpoint';

/** As KServe 0.14 writes it for a serverless predictor. */
const isvc = (status: InferenceService['status']): InferenceService => ({
  apiVersion: 'serving.kserve.io/v1beta1',
  kind: 'InferenceService',
  metadata: {
    name: 'sklearn-iris',
    namespace: 'ml',
    labels: { 'backstage.io/kubernetes-id': 'iris' },
  },
  spec: {
    predictor: {
      model: {
        modelFormat: { name: 'sklearn' },
        storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model',
      },
    },
  },
  status,
});

/** As `kubectl get svc -o json` shows a ClusterIP Service. */
const service = (
  name: string,
  ports: NonNullable<Service['spec']>['ports'],
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: 'ml',
    labels: { 'backstage.io/kubernetes-id': 'iris' },
  },
  spec: {
    type: 'ClusterIP',
    clusterIP: '10.96.12.7',
    selector: { app: name },
    ports,
  },
  status: { loadBalancer: {} },
});

describe('deriveInferenceEndpoint', () => {
  it('takes the InferenceService status.url before any Service', () => {
    expect(
      deriveInferenceEndpoint([
        {
          cluster: 'prod',
          services: [
            service('iris', [{ name: 'http', port: 80, targetPort: 8080 }]),
          ],
          inferenceservices: [
            isvc({
              url: 'http://sklearn-iris.ml.example.com',
              address: {
                url: 'http://sklearn-iris.ml.svc.cluster.local',
              },
              conditions: [{ type: 'Ready', status: 'True' }],
            }),
          ],
        },
      ]),
    ).toEqual({
      url: 'http://sklearn-iris.ml.example.com',
      from: 'InferenceService ml/sklearn-iris status.url',
    });
  });

  it('falls back to status.address.url (raw deployment without an ingress)', () => {
    expect(
      deriveInferenceEndpoint([
        {
          cluster: 'prod',
          services: [],
          inferenceservices: [
            isvc({
              address: {
                url: 'http://sklearn-iris-predictor.ml.svc.cluster.local',
              },
            }),
          ],
        },
      ])?.url,
    ).toBe('http://sklearn-iris-predictor.ml.svc.cluster.local');
  });

  it('prefers an InferenceService on a later cluster over a Service on the first', () => {
    expect(
      deriveInferenceEndpoint([
        {
          cluster: 'a',
          services: [service('iris', [{ port: 8000 }])],
          inferenceservices: [],
        },
        {
          cluster: 'b',
          services: [],
          inferenceservices: [isvc({ url: 'http://iris.b.example.com' })],
        },
      ])?.url,
    ).toBe('http://iris.b.example.com');
  });

  it('uses the Service port named http, else http1, else the first port', () => {
    const derive = (ports: NonNullable<Service['spec']>['ports']) =>
      deriveInferenceEndpoint([
        {
          cluster: 'prod',
          services: [service('llm', ports)],
          inferenceservices: [isvc(undefined)],
        },
      ]);
    expect(
      derive([
        { name: 'metrics', port: 9090 },
        { name: 'http', port: 8000, targetPort: 'http' },
      ]),
    ).toEqual({
      url: 'http://llm.ml.svc.cluster.local:8000',
      from: 'Service ml/llm',
    });
    expect(
      derive([
        { name: 'grpc', port: 8081 },
        { name: 'http1', port: 8080 },
      ])?.url,
    ).toBe('http://llm.ml.svc.cluster.local:8080');
    expect(
      derive([
        { name: 'grpc', port: 8081 },
        { name: 'metrics', port: 9090 },
      ])?.url,
    ).toBe('http://llm.ml.svc.cluster.local:8081');
  });

  it('skips a Service without ports and finds nothing without objects', () => {
    expect(
      deriveInferenceEndpoint([
        {
          cluster: 'prod',
          services: [service('headless', []), service('llm', [{ port: 80 }])],
          inferenceservices: [],
        },
      ])?.url,
    ).toBe('http://llm.ml.svc.cluster.local:80');
    expect(
      deriveInferenceEndpoint([
        { cluster: 'prod', services: [], inferenceservices: [] },
      ]),
    ).toBeUndefined();
  });
});
