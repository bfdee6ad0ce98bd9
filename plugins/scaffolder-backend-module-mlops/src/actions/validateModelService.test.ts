import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import yaml from 'yaml';
import { createValidateModelServiceAction } from './validateModelService';
import { examples } from './validateModelService.examples';

const config = new ConfigReader({
  mlops: {
    registries: [
      { name: 'harbor', url: 'https://harbor.ml.internal' },
      { name: 'local', url: 'http://127.0.0.1:5000' },
    ],
  },
});

const valid = {
  name: 'fraud-detector',
  runtime: 'torchserve',
  namespace: 'ml-serving',
  gpuCount: 0,
  cpu: '500m',
  memory: '2Gi',
  registryHost: '127.0.0.1:5000',
  registryOrg: 'ml',
};

describe('mlops:model-service:validate', () => {
  const action = createValidateModelServiceAction({ config });

  it('outputs the image repository for valid inputs', async () => {
    const ctx = createMockActionContext({ input: valid });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('imageRepository', '127.0.0.1:5000/ml/fraud-detector');
  });

  it('lists every problem at once, naming each field', async () => {
    const ctx = createMockActionContext({
      input: {
        ...valid,
        name: 'Fraud_Detector',
        runtime: 'tensorflow-serving',
        gpuCount: 99,
        cpu: 'lots',
        registryHost: 'docker.io',
      },
    });
    const run = action.handler(ctx);
    await expect(run).rejects.toThrow(/name "Fraud_Detector" is not a DNS-1123 label/);
    await expect(run).rejects.toThrow(/runtime "tensorflow-serving" is unknown/);
    await expect(run).rejects.toThrow(/gpuCount 99 is out of range/);
    await expect(run).rejects.toThrow(/cpu "lots" is not a Kubernetes quantity/);
    await expect(run).rejects.toThrow(/registryHost "docker.io" is not a configured registry; choose one of harbor.ml.internal, 127.0.0.1:5000/);
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it.each([
    [{ gpuCount: 0, runtime: 'vllm' }, /needs at least one GPU/],
    [{ gpuCount: 1.5 }, /gpuCount 1.5 is out of range/],
    [{ gpuCount: -1 }, /gpuCount -1 is out of range/],
    [{ name: 'a'.repeat(54) }, /longer than 53 characters/],
    [{ name: '-svc' }, /not a DNS-1123 label/],
    [{ gpuProduct: 'NVIDIA-A100' }, /gpuProduct "NVIDIA-A100" is set but gpuCount is 0/],
    [{ registryOrg: 'ML Team' }, /registryOrg "ML Team"/],
  ])('rejects %o', async (patch, message) => {
    const ctx = createMockActionContext({ input: { ...valid, ...patch } });
    await expect(action.handler(ctx)).rejects.toThrow(message);
  });

  it('behaves the same in dry-run (it has no side effects)', async () => {
    const ctx = { ...createMockActionContext({ input: { ...valid, name: 'BAD' } }), isDryRun: true };
    await expect(action.handler(ctx)).rejects.toThrow(/name "BAD"/);
  });

  it('runs every documented example', async () => {
    for (const example of examples) {
      const step = yaml.parse(example.example).steps[0];
      const ctx = createMockActionContext({ input: step.input });
      await action.handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith('imageRepository', 'harbor.ml.internal/ml/chat-llm');
    }
  });
});
