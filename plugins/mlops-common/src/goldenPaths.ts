import { SignalStatus } from './health';

/**
 * Changelog of a software template, carried on the Template entity as a JSON
 * array (annotations are strings), oldest or newest first, for example:
 *
 * ```yaml
 * metadata:
 *   annotations:
 *     mlops.io/template-version: "1.2.0"
 *     mlops.io/template-changelog: |
 *       [
 *         {"version": "1.1.0", "changes": ["Ingress gets TLS from cert-manager"]},
 *         {"version": "1.2.0", "changes": ["vLLM: /dev/shm as a memory emptyDir"]}
 *       ]
 * ```
 *
 * Each `version` is a semantic version; `changes` is a list of strings (a
 * single string is accepted too). Entries that do not fit are skipped and
 * reported in {@link GoldenPathTemplate.changelogProblems}.
 * @public
 */
export const ANNOTATION_TEMPLATE_CHANGELOG = 'mlops.io/template-changelog';

/**
 * Optional: which CI builds the entity (`jenkins`, `gitlab`, `github`). Needed
 * only to tell a GitHub Actions build apart from a bare `github.com/project-slug`.
 * @public
 */
export const ANNOTATION_CI = 'mlops.io/ci';

/** Shown as a template's version when it has no `mlops.io/template-version`. @public */
export const UNVERSIONED = 'unversioned';

/** One version's entry of a template changelog. @public */
export interface TemplateChangelogEntry {
  version: string;
  changes: string[];
}

/**
 * How an entity's template version relates to its template's current version.
 * `unknown` (no or unparsable version, on either side) is never drift-free.
 * @public
 */
export type TemplateDriftStatus = 'current' | 'behind' | 'ahead' | 'unknown';

/** @public */
export interface TemplateDrift {
  status: TemplateDriftStatus;
  /** The entity's `mlops.io/template-version`, as written (absent when missing). */
  from?: string;
  /** The template's current version (or `unversioned`). */
  to: string;
  /** For `behind`: changelog entries after `from` up to and including `to`, oldest first. */
  changes: TemplateChangelogEntry[];
  /** One sentence a person can read, e.g. `1.0.0 → 1.2.0 (2 versions behind)`. */
  reason: string;
}

/** What a golden-path check looks at. @public */
export type GoldenPathCheckId = 'ci' | 'argocd' | 'image' | 'resources' | 'gpu';

/**
 * One check of an entity against its golden path. A check whose data we do
 * not have is `unknown`, never `ok`.
 * @public
 */
export interface GoldenPathCheck {
  id: GoldenPathCheckId;
  label: string;
  status: SignalStatus;
  reason: string;
}

/** An entity created from a template (by `backstage.io/source-template`). @public */
export interface GoldenPathEntity {
  /** e.g. `component:default/fraud-detector`. */
  entityRef: string;
  kind: string;
  namespace: string;
  name: string;
  title?: string;
  /** Owner as a full entity ref, e.g. `group:default/ml-platform`. */
  owner?: string;
  lifecycle?: string;
  drift: TemplateDrift;
  checks: GoldenPathCheck[];
}

/** Counts over a template's adopting entities. @public */
export interface GoldenPathAdoption {
  /** Entities whose `backstage.io/source-template` names this template. */
  total: number;
  current: number;
  /** Generated from an older template version. */
  behind: number;
  /** Claim a newer version than the template has. */
  ahead: number;
  /** No or unparsable version (or the template itself has none). */
  unknown: number;
}

/** A software template (golden path) and who uses it. @public */
export interface GoldenPathTemplate {
  /** e.g. `template:default/model-service`. */
  entityRef: string;
  namespace: string;
  name: string;
  title?: string;
  description?: string;
  /** Owner as a full entity ref, e.g. `group:default/ml-platform`. */
  owner?: string;
  /** `spec.type`, e.g. `model-service`. */
  type?: string;
  tags: string[];
  /** `mlops.io/template-version`, or `unversioned`. */
  version: string;
  changelog: TemplateChangelogEntry[];
  /** Why (part of) the changelog annotation could not be read. */
  changelogProblems: string[];
  adoption: GoldenPathAdoption;
  /** Adopting entities, most out of date first. */
  entities: GoldenPathEntity[];
}

/** Answer of `GET /golden-paths`. @public */
export interface GoldenPathsReport {
  /** `model-service` templates first, then by title. */
  templates: GoldenPathTemplate[];
  /** ISO time the catalog was read. */
  generatedAt: string;
}
