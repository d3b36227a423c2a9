export * from './constants.js';
export * from './rest.js';
export * as processPb from './gen/process/process_pb.js';
export * as filesystemPb from './gen/filesystem/filesystem_pb.js';
export { Process } from './gen/process/process_pb.js';
export { Filesystem } from './gen/filesystem/filesystem_pb.js';
export * from './rest-lifecycle.js';
export * from './execute.js';
export * from './files.js';
