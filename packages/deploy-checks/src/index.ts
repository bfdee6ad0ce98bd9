/**
 * Checks of the portal's own deployment package (`deploy/`): kustomize
 * rendering with the real kubectl, server-side dry-run on a real
 * kube-apiserver, manifest semantics, and the backend Dockerfile.
 *
 * @packageDocumentation
 */
export * from './dockerfile';
export * from './kustomize';
export * from './manifests';
export * from './paths';
export * from './repoModules';
