import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { readInferenceConfig } from './config';
import { inferenceTargetOf } from './target';

describe('mlops.inference config', () => {
  it('defaults to nothing allowed, 3 s timeout, 15 s cache, 2 requests per host', () => {
    expect(readInferenceConfig(new ConfigReader({}))).toEqual({
      allowedEndpoints: [],
      timeoutMs: 3000,
      refreshSeconds: 15,
      perHostConcurrency: 2,
    });
  });

  it('stops startup with every bad value and its key', () => {
    const read = () =>
      readInferenceConfig(
        new ConfigReader({
          mlops: {
            inference: {
              allowedEndpoints: [
                '*.svc.cluster.local:8080',
                'http://model:8080',
                '10.0.0.0/99',
              ],
              timeoutMs: 5,
              torchserveToken: ' ',
            },
          },
        }),
      );
    expect(read).toThrow(
      /mlops\.inference\.allowedEndpoints\.1: invalid endpoint rule "http:\/\/model:8080"/,
    );
    expect(read).toThrow(/mlops\.inference\.allowedEndpoints\.2: invalid CIDR/);
    expect(read).toThrow(/mlops\.inference\.timeoutMs: /);
    expect(read).toThrow(
      /mlops\.inference\.torchserveToken: must not be empty/,
    );
  });
});

describe('inference annotations', () => {
  const entity = (annotations: Record<string, string>): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'fraud', annotations },
  });

  it('reads endpoint, protocol, model and management endpoint', () => {
    expect(
      inferenceTargetOf(
        entity({
          'mlops.io/inference-endpoint':
            'http://fraud.ml.svc.cluster.local:8080',
          'mlops.io/inference-protocol': 'TorchServe',
          'mlops.io/model-name': 'fraud',
          'mlops.io/inference-management-endpoint':
            'http://fraud.ml.svc.cluster.local:8081',
        }),
      ),
    ).toEqual({
      ok: true,
      target: {
        endpoint: 'http://fraud.ml.svc.cluster.local:8080',
        protocol: 'torchserve',
        model: 'fraud',
        managementEndpoint: 'http://fraud.ml.svc.cluster.local:8081',
      },
    });
  });

  it('is absent without an endpoint and says what is wrong with the protocol or model name', () => {
    expect(inferenceTargetOf(entity({}))).toBeUndefined();
    expect(
      inferenceTargetOf(entity({ 'mlops.io/inference-endpoint': 'http://x' })),
    ).toEqual({
      ok: false,
      problem: {
        upstream: 'annotation mlops.io/inference-protocol',
        fault: 'bad-annotation',
        message:
          'is missing: set it to one of torchserve, kserve-v2, triton, openai, http',
      },
    });
    const grpc = inferenceTargetOf(
      entity({
        'mlops.io/inference-endpoint': 'http://x',
        'mlops.io/inference-protocol': 'grpc',
      }),
    );
    expect(grpc).toMatchObject({
      ok: false,
      problem: {
        message: expect.stringContaining('"grpc" is not a known protocol'),
      },
    });
    const model = inferenceTargetOf(
      entity({
        'mlops.io/inference-endpoint': 'http://x',
        'mlops.io/inference-protocol': 'triton',
        'mlops.io/model-name': '../../etc',
      }),
    );
    expect(model).toMatchObject({
      ok: false,
      problem: { upstream: 'annotation mlops.io/model-name' },
    });
  });
});
