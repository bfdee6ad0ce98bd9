/** Harbor v2.0 API JSON shapes (go-swagger models: absent arrays are `null`). */
import {
  HarborArtifact,
  HarborProject,
  HarborRepository,
  harborTime,
} from './state';
import { ScanOverview, VULN_REPORT_HARBOR, VULN_REPORT_V11 } from './types';

/** `repository.Encode`: repository names are escaped twice in URLs. */
export const encodeRepo = (name: string) =>
  encodeURIComponent(encodeURIComponent(name));

export function projectJson(p: HarborProject, roleId: number | null) {
  return {
    project_id: p.id,
    owner_id: 1,
    name: p.name,
    creation_time: p.creationTime,
    update_time: p.creationTime,
    deleted: false,
    owner_name: p.ownerName,
    ...(roleId !== null
      ? { current_user_role_id: roleId, current_user_role_ids: [roleId] }
      : {}),
    repo_count: p.repositories.size,
    metadata: { public: p.public ? 'true' : 'false' },
    cve_allowlist: {
      id: p.id,
      project_id: p.id,
      items: [],
      creation_time: p.creationTime,
      update_time: p.creationTime,
    },
  };
}

export function repositoryJson(p: HarborProject, r: HarborRepository) {
  return {
    id: r.id,
    project_id: p.id,
    name: `${p.name}/${r.name}`,
    description: '',
    artifact_count: r.artifacts.length,
    pull_count: 0,
    creation_time: r.creationTime,
    update_time: r.artifacts.length
      ? r.artifacts[r.artifacts.length - 1].pushTime
      : r.creationTime,
  };
}

function normalizeMime(s: string): string {
  return s
    .split(';')
    .map(x => x.trim())
    .filter(Boolean)
    .join('; ')
    .toLowerCase();
}

export const DEFAULT_ACCEPT_VULNERABILITIES = `${VULN_REPORT_V11}, ${VULN_REPORT_HARBOR}`;

/** The first MIME type in `X-Accept-Vulnerabilities` that has a report wins. */
export function pickScan(
  scan: Record<string, ScanOverview> | undefined,
  accept: string,
): Record<string, ScanOverview> | undefined {
  if (!scan) return undefined;
  const reports = new Map(
    Object.entries(scan).map(([k, v]) => [normalizeMime(k), [k, v] as const]),
  );
  for (const wanted of accept.split(',').map(normalizeMime)) {
    const hit = reports.get(wanted);
    if (hit) return { [hit[0]]: hit[1] };
  }
  return undefined;
}

export function artifactJson(
  p: HarborProject,
  r: HarborRepository,
  a: HarborArtifact,
  opts: {
    withTag: boolean;
    withScanOverview: boolean;
    acceptVulnerabilities: string;
    withLabel: boolean;
  },
) {
  const base = `/api/v2.0/projects/${p.name}/repositories/${encodeRepo(
    r.name,
  )}/artifacts/${a.digest}`;
  const isIndex = Boolean(a.references?.length);
  const scan = opts.withScanOverview
    ? pickScan(a.scan, opts.acceptVulnerabilities)
    : undefined;
  return {
    id: a.id,
    type: 'IMAGE',
    media_type: isIndex
      ? 'application/vnd.oci.image.index.v1+json'
      : 'application/vnd.oci.image.config.v1+json',
    manifest_media_type: isIndex
      ? 'application/vnd.oci.image.index.v1+json'
      : 'application/vnd.oci.image.manifest.v1+json',
    project_id: p.id,
    repository_id: r.id,
    repository_name: `${p.name}/${r.name}`,
    digest: a.digest,
    size: a.size,
    icon: 'sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06',
    push_time: a.pushTime,
    pull_time: a.pullTime ?? '0001-01-01T00:00:00.000Z',
    extra_attrs: isIndex
      ? {}
      : {
          architecture: a.architecture ?? 'amd64',
          author: a.author ?? '',
          config: { Labels: a.labels ?? null },
          created: a.created ?? a.pushTime,
          os: a.os ?? 'linux',
        },
    annotations: a.annotations ?? null,
    references: isIndex
      ? a.references!.map((ref, i) => ({
          parent_id: a.id,
          child_id: a.id * 1000 + i,
          child_digest: ref.digest,
          platform: { architecture: ref.architecture, os: ref.os },
          urls: null,
          annotations: null,
        }))
      : null,
    tags:
      opts.withTag && a.tags.length
        ? a.tags.map((name, i) => ({
            id: a.tagIds[i],
            repository_id: r.id,
            artifact_id: a.id,
            name,
            push_time: a.pushTime,
            pull_time: '0001-01-01T00:00:00.000Z',
            immutable: false,
          }))
        : null,
    labels: opts.withLabel ? [] : null,
    accessories: null,
    addition_links: {
      build_history: {
        absolute: false,
        href: `${base}/additions/build_history`,
      },
      vulnerabilities: {
        absolute: false,
        href: `${base}/additions/vulnerabilities`,
      },
    },
    ...(scan ? { scan_overview: scan } : {}),
  };
}

export { harborTime };
