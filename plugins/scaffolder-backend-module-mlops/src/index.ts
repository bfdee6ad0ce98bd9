/**
 * Scaffolder actions of the ML model service portal.
 *
 * @packageDocumentation
 */
export { scaffolderModuleMlops as default } from './module';
export { createValidateModelServiceAction } from './actions/validateModelService';
