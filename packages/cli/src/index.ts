export { buildProgram, main, EXIT } from './program';
export { printJson, printJsonError, errorBody, SCHEMA_VERSION, type Envelope, type SuccessEnvelope, type FailureEnvelope, type ErrorBody } from './output/envelope';
