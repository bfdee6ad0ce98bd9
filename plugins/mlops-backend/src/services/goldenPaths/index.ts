export { GoldenPathsService } from './GoldenPathsService';
