/**
 * Real peers for tests, benchmarks and the demo. Every server here is a real
 * implementation (Debian's docker-registry, kube-apiserver + etcd) started on
 * a free 127.0.0.1 port; nothing here is a simulator.
 */
export * from './ports';
export * from './registry';
export * from './kube';
export * from './prometheus';
export * from './fastapi';
export * from './kubeClient';
export * from './kustomize';
