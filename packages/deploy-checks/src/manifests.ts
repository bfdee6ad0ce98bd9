/**
 * Reading rendered manifests the way Kubernetes resolves them: named ports,
 * label selectors, volume mounts, Secret and ConfigMap references, and the
 * environment a container ends up with.
 */
import path from 'node:path';
import { KubeObject } from '@internal/test-env';

export interface ContainerPort {
  name?: string;
  containerPort: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface EnvFromSource {
  secretRef?: { name: string; optional?: boolean };
  configMapRef?: { name: string; optional?: boolean };
  prefix?: string;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
  securityContext?: Record<string, unknown>;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
}

export interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  emptyDir?: Record<string, unknown>;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  volumes?: Volume[];
  securityContext?: Record<string, unknown>;
  imagePullSecrets?: { name: string }[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}

export function find(
  objects: KubeObject[],
  kind: string,
  name?: string,
): KubeObject[] {
  return objects.filter(
    o => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
}

/** The one object of that kind (and name); throws when there is none or several. */
export function one(
  objects: KubeObject[],
  kind: string,
  name?: string,
): KubeObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`,
    );
  }
  return found[0];
}

export const specOf = (o: KubeObject) => o.spec as Record<string, unknown>;

export function podSpecOf(workload: KubeObject): PodSpec {
  const template = specOf(workload).template as { spec: PodSpec };
  return template.spec;
}

export function podLabelsOf(workload: KubeObject): Record<string, string> {
  const template = specOf(workload).template as {
    metadata?: { labels?: Record<string, string> };
  };
  return template.metadata?.labels ?? {};
}

/**
 * Whether a selector selects these labels. Only `matchLabels` is understood;
 * a selector with `matchExpressions` is refused rather than guessed.
 */
export function selects(
  selector: LabelSelector | Record<string, string>,
  labels: Record<string, string>,
): boolean {
  const isLabelSelector =
    'matchLabels' in selector || 'matchExpressions' in selector;
  if (isLabelSelector && (selector as LabelSelector).matchExpressions) {
    throw new Error('matchExpressions are not supported by this check');
  }
  const wanted = isLabelSelector
    ? (selector as LabelSelector).matchLabels ?? {}
    : (selector as Record<string, string>);
  if (Object.keys(wanted).length === 0) return false;
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

/** The container port a probe or Service `targetPort` names (by name or number). */
export function resolveContainerPort(
  container: Container,
  port: number | string,
): number | undefined {
  const ports = container.ports ?? [];
  if (typeof port === 'number') {
    return ports.some(p => p.containerPort === port) ? port : undefined;
  }
  return ports.find(p => p.name === port)?.containerPort;
}

/**
 * A `node …` command line split into node's own flags (those before the
 * script), the script, and the script's arguments.
 */
export function nodeCommand(argv: string[]): {
  program: string | undefined;
  nodeFlags: string[];
  script: string | undefined;
  args: string[];
} {
  const [program, ...rest] = argv;
  const at = rest.findIndex(a => !a.startsWith('-'));
  if (at < 0) return { program, nodeFlags: rest, script: undefined, args: [] };
  return {
    program,
    nodeFlags: rest.slice(0, at),
    script: rest[at],
    args: rest.slice(at + 1),
  };
}

/** The paths given to `--config` (both `--config x` and `--config=x`). */
export function configArgs(argv: string[]): string[] {
  const paths: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--config' && i + 1 < argv.length) paths.push(argv[i + 1]);
    else if (arg.startsWith('--config=')) paths.push(arg.slice(9));
  });
  return paths;
}

export type MountedFile =
  | { source: 'configMap'; name: string; key: string; mountPath: string }
  | { source: 'secret'; name: string; key: string; mountPath: string }
  | { source: 'other'; volume: string; mountPath: string };

/**
 * Which volume an absolute path in the container comes from, and for a
 * ConfigMap or Secret volume the key that becomes that file.
 */
export function mountedFile(
  pod: PodSpec,
  container: Container,
  filePath: string,
): MountedFile | undefined {
  if (!path.isAbsolute(filePath)) return undefined;
  const mounts = [...(container.volumeMounts ?? [])].sort(
    (a, b) => b.mountPath.length - a.mountPath.length,
  );
  for (const mount of mounts) {
    const dir = mount.mountPath.replace(/\/+$/, '');
    if (mount.subPath) {
      if (filePath !== dir) continue;
    } else if (!filePath.startsWith(`${dir}/`)) continue;
    const volume = (pod.volumes ?? []).find(v => v.name === mount.name);
    if (!volume) return undefined;
    const relative = mount.subPath ?? filePath.slice(dir.length + 1);
    const keyOf = (items?: { key: string; path: string }[]) =>
      items ? items.find(i => i.path === relative)?.key : relative;
    if (volume.configMap) {
      const key = keyOf(volume.configMap.items);
      return key === undefined
        ? undefined
        : {
            source: 'configMap',
            name: volume.configMap.name,
            key,
            mountPath: mount.mountPath,
          };
    }
    if (volume.secret) {
      const key = keyOf(volume.secret.items);
      return key === undefined
        ? undefined
        : {
            source: 'secret',
            name: volume.secret.secretName,
            key,
            mountPath: mount.mountPath,
          };
    }
    return { source: 'other', volume: volume.name, mountPath: mount.mountPath };
  }
  return undefined;
}

export interface SecretReference {
  name: string;
  /** the key read, when one key is read */
  key?: string;
  optional: boolean;
  /** where the reference is, for messages */
  where: string;
}

/** Every Secret a pod refers to: env, envFrom, volumes, image pull secrets. */
export function secretReferences(pod: PodSpec): SecretReference[] {
  const refs: SecretReference[] = [];
  for (const c of pod.containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        refs.push({
          name: ref.name,
          key: ref.key,
          optional: Boolean(ref.optional),
          where: `container ${c.name} env ${e.name}`,
        });
      }
    }
    for (const from of c.envFrom ?? []) {
      if (from.secretRef) {
        refs.push({
          name: from.secretRef.name,
          optional: Boolean(from.secretRef.optional),
          where: `container ${c.name} envFrom`,
        });
      }
    }
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret) {
      refs.push({
        name: v.secret.secretName,
        optional: false,
        where: `volume ${v.name}`,
      });
    }
  }
  for (const s of pod.imagePullSecrets ?? []) {
    refs.push({ name: s.name, optional: false, where: 'imagePullSecrets' });
  }
  return refs;
}

/** A Secret's or ConfigMap's values as text (Secret `data` is base64). */
export function dataOf(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const data = (obj.data ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(data)) {
    out[k] = obj.kind === 'Secret' ? Buffer.from(v, 'base64').toString() : v;
  }
  for (const [k, v] of Object.entries(
    (obj.stringData ?? {}) as Record<string, string>,
  )) {
    out[k] = v;
  }
  return out;
}

export interface ContainerEnvironment {
  /** every variable the container gets, with its value when the package knows it */
  values: Map<string, string | undefined>;
  /** variables whose value only exists in the cluster (e.g. a token the controller fills in) */
  filledInCluster: string[];
}

/**
 * The environment a container starts with, from the package alone: `env`
 * values, `envFrom` Secrets/ConfigMaps and `secretKeyRef`/`configMapKeyRef`.
 * A `kubernetes.io/service-account-token` Secret's `token` is filled in by
 * Kubernetes' token controller: such variables are listed in `filledInCluster`.
 */
export function containerEnvironment(
  objects: KubeObject[],
  container: Container,
): ContainerEnvironment {
  const values = new Map<string, string | undefined>();
  const filledInCluster: string[] = [];
  const lookup = (kind: 'Secret' | 'ConfigMap', name: string) =>
    find(objects, kind, name)[0];
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const obj = lookup(from.secretRef ? 'Secret' : 'ConfigMap', ref.name);
    for (const [k, v] of Object.entries(obj ? dataOf(obj) : {})) {
      values.set(`${from.prefix ?? ''}${k}`, v);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      const secretRef = e.valueFrom.secretKeyRef;
      const ref = (secretRef ?? e.valueFrom.configMapKeyRef)!;
      const obj = lookup(secretRef ? 'Secret' : 'ConfigMap', ref.name);
      const value = obj ? dataOf(obj)[ref.key] : undefined;
      if (
        value === undefined &&
        obj?.type === 'kubernetes.io/service-account-token' &&
        ref.key === 'token'
      ) {
        filledInCluster.push(e.name);
      }
      values.set(e.name, value);
    } else {
      values.set(e.name, e.value ?? '');
    }
  }
  return { values, filledInCluster };
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Whether RBAC rules grant `verb` on `group`/`resource` (all names). */
export function rulesAllow(
  rules: PolicyRule[],
  group: string,
  resource: string,
  verb: string,
): boolean {
  return rules.some(
    r =>
      (r.apiGroups ?? []).some(g => g === group || g === '*') &&
      (r.resources ?? []).some(x => x === resource || x === '*') &&
      r.verbs.some(v => v === verb || v === '*') &&
      !(r.resourceNames && r.resourceNames.length),
  );
}
