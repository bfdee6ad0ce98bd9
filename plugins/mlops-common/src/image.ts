import { SignalHealth } from './health';

/** One tag of an image repository as the image card shows it. @public */
export interface ImageTag {
  tag: string;
  /** Digest the tag points to (of the index, for multi-platform images). */
  digest: string;
  mediaType: string;
  /** `created` from the image config (RFC 3339), when present. */
  created?: string;
  /** Compressed size in bytes: config + layers (of the first runnable platform for indexes). */
  size?: number;
  /** `org.opencontainers.image.revision` from config labels or manifest annotations. */
  revision?: string;
  /** `org.opencontainers.image.source`, when present. */
  source?: string;
  /** `os/architecture[/variant]` of each runnable platform (attestations excluded). */
  platforms: string[];
  /** Set when this one tag could not be read (the others still are). */
  error?: string;
}

/** @public */
export interface ImageRegistryRef {
  /** Name of the registry entry in `mlops.registries`. */
  name: string;
  /** `host[:port]` as users write it in image references. */
  host: string;
  /** The registry's (or Harbor's) web UI, when configured. */
  uiUrl?: string;
}

/** Answer of `GET /entities/:kind/:namespace/:name/image`. @public */
export interface ImageReport {
  entityRef: string;
  /** Absent when the annotation could not be resolved to a configured registry. */
  registry?: ImageRegistryRef;
  repository?: string;
  /** Newest first, by `created`; tags without `created` last. */
  tags: ImageTag[];
  /** How many tags the repository has in total. */
  totalTags: number;
  health: SignalHealth;
}
