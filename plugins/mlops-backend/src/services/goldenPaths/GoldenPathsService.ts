import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  DEFAULT_NAMESPACE,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_SOURCE_TEMPLATE,
  ANNOTATION_TEMPLATE_CHANGELOG,
  ANNOTATION_TEMPLATE_VERSION,
  GoldenPathAdoption,
  GoldenPathEntity,
  GoldenPathTemplate,
  GoldenPathsReport,
  TemplateDriftStatus,
} from '@internal/plugin-mlops-common';
import { parseChangelog } from './changelog';
import { checkEntity } from './checks';
import { ObjectSource } from '../../upstreams/kubernetes';
import { TemplateVersion, judgeDrift, templateVersion } from './drift';

const TEMPLATE_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.description',
  'metadata.tags',
  'metadata.annotations',
  'spec.type',
  'spec.owner',
];

const ADOPTER_FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.annotations',
  'spec.owner',
  'spec.lifecycle',
];

/** Template type listed first: the model-service golden path. */
const PRIMARY_TEMPLATE_TYPE = 'model-service';

/**
 * Annotation values per catalog request. Each value travels in the query
 * string of the catalog request, so a large number of templates is split.
 */
const VALUES_PER_QUERY = 50;

/** Drift shown first: what needs attention. */
const DRIFT_ORDER: Record<TemplateDriftStatus, number> = {
  behind: 0,
  unknown: 1,
  ahead: 2,
  current: 3,
};

interface TemplateRow {
  template: GoldenPathTemplate;
  version: TemplateVersion;
}

/**
 * The platform owners' view of the golden paths: every software template with
 * its version and changelog, the entities created from it (by
 * `backstage.io/source-template`), how far each is behind, and per-entity
 * checks. Reads the catalog with the caller's credentials, so a person sees
 * only entities they may see: two catalog requests (templates, then the
 * components that name one of them), joined in memory.
 */
export class GoldenPathsService {
  private constructor(
    private readonly catalog: CatalogService,
    private readonly now: () => number,
    private readonly cluster: ObjectSource | undefined,
  ) {}

  static create(options: {
    catalog: CatalogService;
    now?: () => number;
    /** The Kubernetes watch cache, for the resource and GPU checks. */
    cluster?: ObjectSource;
  }): GoldenPathsService {
    return new GoldenPathsService(
      options.catalog,
      options.now ?? Date.now,
      options.cluster,
    );
  }

  async getReport(options: {
    credentials: BackstageCredentials;
  }): Promise<GoldenPathsReport> {
    const { credentials } = options;
    const generatedAt = new Date(this.now()).toISOString();
    const { items: templateEntities } = await this.catalog.getEntities(
      { filter: { kind: 'Template' }, fields: TEMPLATE_FIELDS },
      { credentials },
    );
    const rows = new Map<string, TemplateRow>();
    for (const entity of templateEntities) {
      const row = toTemplateRow(entity);
      rows.set(row.template.entityRef.toLocaleLowerCase('en-US'), row);
    }
    if (rows.size === 0) {
      return { templates: [], generatedAt };
    }

    for (const entity of await this.readAdopters(
      [...rows.values()],
      credentials,
    )) {
      const templateRef = normalizeTemplateRef(
        entity.metadata.annotations?.[ANNOTATION_SOURCE_TEMPLATE],
      );
      const row = templateRef ? rows.get(templateRef) : undefined;
      if (row) {
        row.template.entities.push(
          toGoldenPathEntity(entity, row.version, this.cluster),
        );
      }
    }

    const templates = [...rows.values()].map(({ template }) => {
      template.entities.sort(
        (a, b) =>
          DRIFT_ORDER[a.drift.status] - DRIFT_ORDER[b.drift.status] ||
          a.entityRef.localeCompare(b.entityRef),
      );
      template.adoption = countAdoption(template.entities);
      return template;
    });
    templates.sort(
      (a, b) =>
        Number(b.type === PRIMARY_TEMPLATE_TYPE) -
          Number(a.type === PRIMARY_TEMPLATE_TYPE) ||
        (a.title ?? a.name).localeCompare(b.title ?? b.name) ||
        a.entityRef.localeCompare(b.entityRef),
    );
    return { templates, generatedAt };
  }

  /** Components whose source-template annotation names one of the templates. */
  private async readAdopters(
    rows: TemplateRow[],
    credentials: BackstageCredentials,
  ): Promise<Entity[]> {
    const values = [
      ...new Set(rows.flatMap(r => annotationSpellings(r.template))),
    ];
    const chunks: string[][] = [];
    for (let i = 0; i < values.length; i += VALUES_PER_QUERY) {
      chunks.push(values.slice(i, i + VALUES_PER_QUERY));
    }
    const responses = await Promise.all(
      chunks.map(chunk =>
        this.catalog.getEntities(
          {
            filter: {
              kind: 'Component',
              [`metadata.annotations.${ANNOTATION_SOURCE_TEMPLATE}`]: chunk,
            },
            fields: ADOPTER_FIELDS,
          },
          { credentials },
        ),
      ),
    );
    const byRef = new Map<string, Entity>();
    for (const { items } of responses) {
      for (const entity of items) byRef.set(stringifyEntityRef(entity), entity);
    }
    return [...byRef.values()];
  }
}

/**
 * The ways an entity may name the template in its annotation (the catalog
 * compares case-insensitively): the full ref, and the short one when the
 * template lives in the default namespace.
 */
function annotationSpellings(template: GoldenPathTemplate): string[] {
  const full = `template:${template.namespace}/${template.name}`;
  return template.namespace.toLocaleLowerCase('en-US') === DEFAULT_NAMESPACE
    ? [full, `template:${template.name}`]
    : [full];
}

function normalizeTemplateRef(value: string | undefined): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    const ref = parseEntityRef(value.trim(), {
      defaultKind: 'template',
      defaultNamespace: DEFAULT_NAMESPACE,
    });
    return stringifyEntityRef(ref).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function ownerRef(owner: unknown, namespace: string): string | undefined {
  const value = text(owner);
  if (!value) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(value, {
        defaultKind: 'group',
        defaultNamespace: namespace,
      }),
    );
  } catch {
    return value;
  }
}

function toTemplateRow(entity: Entity): TemplateRow {
  const namespace = entity.metadata.namespace ?? DEFAULT_NAMESPACE;
  const annotations = entity.metadata.annotations ?? {};
  const spec = (entity.spec ?? {}) as { type?: unknown; owner?: unknown };
  const changelog = parseChangelog(annotations[ANNOTATION_TEMPLATE_CHANGELOG]);
  const version = templateVersion(
    annotations[ANNOTATION_TEMPLATE_VERSION],
    changelog.entries,
  );
  const title = text(entity.metadata.title);
  const description = text(entity.metadata.description);
  const owner = ownerRef(spec.owner, namespace);
  const type = text(spec.type);
  const template: GoldenPathTemplate = {
    entityRef: stringifyEntityRef({
      kind: 'template',
      namespace,
      name: entity.metadata.name,
    }),
    namespace,
    name: entity.metadata.name,
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(owner ? { owner } : {}),
    ...(type ? { type } : {}),
    tags: (entity.metadata.tags ?? []).filter(
      (t): t is string => typeof t === 'string',
    ),
    version: version.version,
    changelog: changelog.entries.map(e => ({
      version: e.version,
      changes: e.changes,
    })),
    changelogProblems: changelog.problems,
    adoption: { total: 0, current: 0, behind: 0, ahead: 0, unknown: 0 },
    entities: [],
  };
  return { template, version };
}

function toGoldenPathEntity(
  entity: Entity,
  version: TemplateVersion,
  cluster: ObjectSource | undefined,
): GoldenPathEntity {
  const namespace = entity.metadata.namespace ?? DEFAULT_NAMESPACE;
  const spec = (entity.spec ?? {}) as { owner?: unknown; lifecycle?: unknown };
  const title = text(entity.metadata.title);
  const owner = ownerRef(spec.owner, namespace);
  const lifecycle = text(spec.lifecycle);
  return {
    entityRef: stringifyEntityRef(entity),
    kind: entity.kind,
    namespace,
    name: entity.metadata.name,
    ...(title ? { title } : {}),
    ...(owner ? { owner } : {}),
    ...(lifecycle ? { lifecycle } : {}),
    drift: judgeDrift(
      entity.metadata.annotations?.[ANNOTATION_TEMPLATE_VERSION],
      version,
    ),
    checks: checkEntity(entity, cluster),
  };
}

function countAdoption(entities: GoldenPathEntity[]): GoldenPathAdoption {
  const adoption: GoldenPathAdoption = {
    total: entities.length,
    current: 0,
    behind: 0,
    ahead: 0,
    unknown: 0,
  };
  for (const e of entities) adoption[e.drift.status] += 1;
  return adoption;
}
