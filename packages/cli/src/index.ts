export { buildProgram, main, EXIT } from './program';
