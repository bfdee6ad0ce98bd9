/**
 * CustomResourceDefinitions installed into the test kube-apiserver so the
 * generated Argo CD Application and KServe InferenceService are validated by
 * the apiserver itself. The schemas type every field the templates use (as
 * Argo CD's and KServe's own CRDs do) so a misspelt or misplaced field is
 * pruned by the apiserver and caught by the pruned-field check; parts the
 * templates do not use keep `x-kubernetes-preserve-unknown-fields`.
 */
import { KubeObject } from '@internal/test-env';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const open: Schema = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};
const strings: Schema = { type: 'array', items: str };
const obj = (
  properties: Record<string, Schema>,
  required?: string[],
): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});

const applicationSource = obj(
  {
    repoURL: str,
    path: str,
    targetRevision: str,
    chart: str,
    ref: str,
    kustomize: open,
    helm: open,
    directory: open,
    plugin: open,
  },
  ['repoURL'],
);

/** Argo CD Application: argoproj.io/v1alpha1, namespaced, no status subresource. */
export const applicationCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'applications.argoproj.io' },
  spec: {
    group: 'argoproj.io',
    scope: 'Namespaced',
    names: {
      kind: 'Application',
      listKind: 'ApplicationList',
      plural: 'applications',
      singular: 'application',
      shortNames: ['app', 'apps'],
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: obj(
            {
              apiVersion: str,
              kind: str,
              metadata: { type: 'object' },
              operation: open,
              status: open,
              spec: obj(
                {
                  project: str,
                  source: applicationSource,
                  sources: { type: 'array', items: applicationSource },
                  destination: obj({ server: str, namespace: str, name: str }),
                  syncPolicy: obj({
                    automated: obj({
                      prune: bool,
                      selfHeal: bool,
                      allowEmpty: bool,
                      enabled: bool,
                    }),
                    syncOptions: strings,
                    retry: open,
                    managedNamespaceMetadata: open,
                  }),
                  ignoreDifferences: { type: 'array', items: open },
                  info: {
                    type: 'array',
                    items: obj({ name: str, value: str }, ['name', 'value']),
                  },
                  revisionHistoryLimit: { type: 'integer', format: 'int64' },
                },
                ['destination', 'project'],
              ),
            },
            ['metadata', 'spec'],
          ),
        },
      },
    ],
  },
};

const modelSpec = {
  ...obj(
    {
      modelFormat: obj({ name: str, version: str }, ['name']),
      runtime: str,
      storageUri: str,
      protocolVersion: {
        type: 'string',
        enum: ['v1', 'v2', 'grpc-v1', 'grpc-v2'],
      },
      resources: open,
      args: strings,
      env: { type: 'array', items: open },
    },
    ['modelFormat'],
  ),
  'x-kubernetes-preserve-unknown-fields': true,
};

/** KServe InferenceService: serving.kserve.io/v1beta1, status subresource. */
export const inferenceServiceCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'inferenceservices.serving.kserve.io' },
  spec: {
    group: 'serving.kserve.io',
    scope: 'Namespaced',
    names: {
      kind: 'InferenceService',
      listKind: 'InferenceServiceList',
      plural: 'inferenceservices',
      singular: 'inferenceservice',
      shortNames: ['isvc'],
    },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: obj(
            {
              apiVersion: str,
              kind: str,
              metadata: { type: 'object' },
              status: open,
              spec: obj(
                {
                  predictor: {
                    ...obj({
                      minReplicas: int,
                      maxReplicas: int,
                      model: modelSpec,
                      serviceAccountName: str,
                      imagePullSecrets: {
                        type: 'array',
                        items: obj({ name: str }),
                      },
                      nodeSelector: {
                        type: 'object',
                        additionalProperties: str,
                      },
                      tolerations: { type: 'array', items: open },
                      containers: { type: 'array', items: open },
                      volumes: { type: 'array', items: open },
                    }),
                    'x-kubernetes-preserve-unknown-fields': true,
                  },
                  transformer: open,
                  explainer: open,
                },
                ['predictor'],
              ),
            },
            ['spec'],
          ),
        },
      },
    ],
  },
};

export const CRDS = [applicationCrd, inferenceServiceCrd];
