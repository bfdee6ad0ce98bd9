/** The GitOps stage's kustomization.yaml edit, on real YAML text. */
import { parse } from 'yaml';
import { setImageTag } from './kustomization';

const IMAGE = 'registry.demo.local/genai/chat';

describe('setImageTag', () => {
  it('sets newTag of the entry named like the image, keeping comments, other entries and flow style', () => {
    const text = `# overlay
resources: [../../base]
images:
  - name: busybox
    newTag: "1.36"
  # ours
  - name: ${IMAGE}
    newName: ${IMAGE}
    newTag: latest # set by CI
`;
    const out = setImageTag(text, IMAGE, 'abc123');
    expect(out).toMatchObject({ changed: true, previousTag: 'latest' });
    expect(out.text).toBe(text.replace('newTag: latest', 'newTag: abc123'));
  });

  it('keeps a SHA of digits (or like 1e10) a string', () => {
    for (const tag of ['1234567890123456789012345678901234567890', '1e10']) {
      const out = setImageTag(`images:\n  - name: ${IMAGE}\n`, IMAGE, tag);
      expect(parse(out.text).images[0].newTag).toBe(tag);
    }
  });

  it('adds the entry, or images:, when missing, as kustomize edit set image does', () => {
    const out = setImageTag('kind: Kustomization\n', IMAGE, 'abc');
    expect(parse(out.text)).toEqual({
      kind: 'Kustomization',
      images: [{ name: IMAGE, newName: IMAGE, newTag: 'abc' }],
    });
  });

  it('reports no change when the tag is already set, and refuses broken files', () => {
    const text = `images:\n  - name: ${IMAGE}\n    newTag: abc\n`;
    expect(setImageTag(text, IMAGE, 'abc')).toEqual({
      text,
      changed: false,
      previousTag: 'abc',
    });
    expect(() => setImageTag('images: [a\n', IMAGE, 'x')).toThrow(
      /not valid YAML/,
    );
    expect(() => setImageTag('images: 3\n', IMAGE, 'x')).toThrow(/not a list/);
  });
});
