import { z } from 'zod';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Every manifest type we understand; without the OCI types Distribution 2.8 answers 404 for OCI content. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

const digest = z
  .string()
  .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');
const descriptor = z.object({
  mediaType: z.string().optional(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const platform = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
});

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptor.extend({ platform: platform.optional() })),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageIndex = z.infer<typeof indexSchema>;

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; manifest: ImageIndex };

/**
 * Parses a manifest body. The Content-Type header decides (OCI's `mediaType`
 * field is optional); the body's own `mediaType` is the fallback.
 * Returns an error string for anything that is not a manifest we can read.
 */
export function parseManifest(
  contentType: string | undefined,
  body: Buffer,
): ParsedManifest | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'manifest is not valid JSON' };
  }
  const headerType = contentType?.split(';')[0].trim().toLowerCase();
  const bodyType =
    json &&
    typeof json === 'object' &&
    typeof (json as { mediaType?: unknown }).mediaType === 'string'
      ? ((json as { mediaType: string }).mediaType as string)
      : undefined;
  let mediaType =
    headerType &&
    headerType !== 'application/json' &&
    headerType !== 'application/octet-stream'
      ? headerType
      : bodyType;
  if (!mediaType && json && typeof json === 'object') {
    // Untyped OCI content: tell index and manifest apart by shape.
    if ('manifests' in json) mediaType = MEDIA_TYPES.ociIndex;
    else if ('config' in json) mediaType = MEDIA_TYPES.ociManifest;
  }
  if (
    mediaType === MEDIA_TYPES.dockerManifest ||
    mediaType === MEDIA_TYPES.ociManifest
  ) {
    const parsed = imageManifestSchema.safeParse(json);
    if (!parsed.success)
      return { error: `invalid ${mediaType}: ${describeIssues(parsed.error)}` };
    return { kind: 'image', mediaType, manifest: parsed.data };
  }
  if (
    mediaType === MEDIA_TYPES.dockerList ||
    mediaType === MEDIA_TYPES.ociIndex
  ) {
    const parsed = indexSchema.safeParse(json);
    if (!parsed.success)
      return { error: `invalid ${mediaType}: ${describeIssues(parsed.error)}` };
    return { kind: 'index', mediaType, manifest: parsed.data };
  }
  if (
    json &&
    typeof json === 'object' &&
    (json as { schemaVersion?: unknown }).schemaVersion === 1
  ) {
    return {
      error:
        'registry returned a Docker schema 1 manifest, which is not supported',
    };
  }
  return { error: `unsupported manifest media type ${mediaType ?? '(none)'}` };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map(i => `${i.path.join('.') || '(root)'} ${i.message}`)
    .join('; ');
}

/** True for BuildKit attestation entries and other non-runnable index entries. */
export function isAttestation(entry: ImageIndex['manifests'][number]): boolean {
  return (
    entry.annotations?.['vnd.docker.reference.type'] ===
      'attestation-manifest' ||
    entry.platform?.os === 'unknown' ||
    entry.platform?.architecture === 'unknown'
  );
}

export function platformString(p: {
  os: string;
  architecture: string;
  variant?: string;
}): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export const imageConfigSchema = z.object({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z
    .object({ Labels: z.record(z.string(), z.string()).nullable().optional() })
    .nullable()
    .optional(),
});

export type ImageConfig = z.infer<typeof imageConfigSchema>;
