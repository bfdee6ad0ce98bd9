export { GoldenPathsPage } from './GoldenPathsPage';
export { GoldenPathsContent } from './GoldenPathsContent';
export { GoldenPathsIcon } from './GoldenPathsIcon';
