import { InferenceService, Service } from '../../upstreams/kubernetes/types';

/** The cluster objects an inference endpoint can be derived from (one entry per cluster). */
export interface EndpointSources {
  cluster: string;
  services: Service[];
  inferenceservices: InferenceService[];
}

export interface DerivedEndpoint {
  url: string;
  /** Where it came from, e.g. `InferenceService ml/chat status.url`. */
  from: string;
}

const NAMED_HTTP_PORTS = ['http', 'http1'];

/**
 * The endpoint of an entity that names a protocol but no endpoint: the first
 * InferenceService's `status.url` (else `status.address.url`) on any cluster,
 * else the first Service as `http://<name>.<namespace>.svc.cluster.local:<port>`
 * (the port named `http` or `http1`, else the first one). Never trusted: the
 * result still goes through the endpoint policy like an annotation would.
 */
export function deriveInferenceEndpoint(
  clusters: EndpointSources[],
): DerivedEndpoint | undefined {
  for (const { inferenceservices } of clusters) {
    for (const isvc of inferenceservices) {
      const name = `${isvc.metadata.namespace ?? ''}/${isvc.metadata.name}`;
      const url = isvc.status?.url?.trim();
      if (url) return { url, from: `InferenceService ${name} status.url` };
      const address = isvc.status?.address?.url?.trim();
      if (address)
        return {
          url: address,
          from: `InferenceService ${name} status.address.url`,
        };
    }
  }
  for (const { services } of clusters) {
    for (const svc of services) {
      const ports = (svc.spec?.ports ?? []).filter(
        p => typeof p.port === 'number' && p.port > 0,
      );
      const port =
        ports.find(p => NAMED_HTTP_PORTS.includes(p.name ?? '')) ?? ports[0];
      const namespace = svc.metadata.namespace;
      if (!port || !namespace) continue;
      return {
        url: `http://${svc.metadata.name}.${namespace}.svc.cluster.local:${port.port}`,
        from: `Service ${namespace}/${svc.metadata.name}`,
      };
    }
  }
  return undefined;
}
