/** Seeding types of the Harbor API simulator. */

export const SCAN_STATUSES = [
  'Pending',
  'Running',
  'Stopped',
  'Error',
  'Success',
  'Scheduled',
] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

export const SEVERITIES = [
  'None',
  'Unknown',
  'Negligible',
  'Low',
  'Medium',
  'High',
  'Critical',
] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The two report MIME types of the swagger default `X-Accept-Vulnerabilities`. */
export const VULN_REPORT_V11 =
  'application/vnd.security.vulnerability.report; version=1.1';
export const VULN_REPORT_HARBOR =
  'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';

export interface ScanOverview {
  scan_status: ScanStatus;
  severity?: Severity;
  complete_percent?: number;
  duration?: number;
  report_id?: string;
  start_time?: string;
  end_time?: string;
  scanner?: { name: string; vendor: string; version: string };
  summary?: {
    total: number;
    fixable: number;
    summary: Partial<Record<Severity, number>>;
  };
}

export interface ArtifactSeed {
  tags?: string[];
  /** Default: derived from repository and tags. */
  digest?: string;
  size?: number;
  pushTime?: string;
  pullTime?: string;
  /** Image config `created`. */
  created?: string;
  architecture?: string;
  os?: string;
  author?: string;
  /** Image config `Labels` (OCI `org.opencontainers.image.*` and others). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Index: child manifests (then `extra_attrs` is empty and `references` is set). */
  references?: Array<{ digest: string; architecture: string; os: string }>;
  /** Reports keyed by MIME type, e.g. `{ [VULN_REPORT_V11]: {...} }`. Absent = unscanned. */
  scan?: Record<string, ScanOverview>;
}

export interface HarborProjectSeed {
  name: string;
  public?: boolean;
}

export interface HarborAccount {
  username: string;
  password: string;
  /** System admin (all projects, may create projects). */
  admin?: boolean;
  /** Projects this account is a member of (robots `robot$<p>+<n>` get `<p>` implicitly). */
  projects?: string[];
}
