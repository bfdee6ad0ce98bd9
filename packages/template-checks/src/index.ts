/**
 * Validation of the golden-path software templates: the real scaffolder
 * (dry-run and real tasks), and checkers for what a template generates —
 * Kubernetes manifests (kustomize + server-side dry-run against a real
 * kube-apiserver), runtime semantics, Dockerfiles, Jenkinsfiles (CodeNarc),
 * catalog-info.yaml and the GitOps repository.
 *
 * @packageDocumentation
 */
export * from './catalogInfo';
export * from './ciPeers';
export * from './crds';
export * from './dockerfileRules';
export * from './gitRepo';
export * from './groovyLint';
export * from './kubeChecks';
export * from '@internal/test-env';
export * from '@internal/test-env';
export * from './localPublish';
export * from './matrix';
export * from './prunedFields';
export * from './scaffolderHarness';
export * from './semantics';
export * from './templateFiles';
export * from './templateMetadata';
