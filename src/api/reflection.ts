/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`), so `grpcurl` and `buf curl` can
 * list and call the daemon's services without the proto files. The file descriptors served are
 * the generated code's own (the exact contract the daemon serves), each with its dependencies.
 * The reflection messages come from the proto files that ship with `@grpc/reflection` (its
 * ReflectionService re-encodes descriptors through protobufjs and mixes files up, so it is not used).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type DescFile, type DescMessage, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { file_daq_v1_control } from './gen/daq/v1/control_pb.js';
import { file_daq_v1_hardware } from './gen/daq/v1/hardware_pb.js';
import { file_daq_v1_presets } from './gen/daq/v1/presets_pb.js';

/** A reflection request (proto field names, `keepCase`). */
interface ReflectionRequest {
  host?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: unknown;
  all_extension_numbers_of_type?: string;
  list_services?: string;
  message_request?: string;
}

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/** The files of the API, by name, and which file defines each fully qualified symbol. */
function indexFiles(roots: readonly DescFile[]): { files: Map<string, DescFile>; symbols: Map<string, DescFile> } {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const addMessage = (file: DescFile, message: DescMessage): void => {
    symbols.set(message.typeName, file);
    for (const nested of message.nestedMessages) addMessage(file, nested);
    for (const e of message.nestedEnums) symbols.set(e.typeName, file);
  };
  const visit = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dependency of file.dependencies) visit(dependency);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const message of file.messages) addMessage(file, message);
    for (const e of file.enums) symbols.set(e.typeName, file);
  };
  for (const root of roots) visit(root);
  return { files, symbols };
}

/** `file` and everything it imports, serialized, the file first. */
function descriptorsOf(file: DescFile): Buffer[] {
  const out: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (f: DescFile): void => {
    if (seen.has(f.proto.name)) return;
    seen.add(f.proto.name);
    out.push(f);
    for (const dependency of f.dependencies) visit(dependency);
  };
  visit(file);
  return out.map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
}

/** Adds the reflection services (v1 and v1alpha) for the daemon's API to `server`. */
export function addReflectionService(server: grpc.Server): void {
  const roots = [file_daq_v1_control, file_daq_v1_hardware, file_daq_v1_presets];
  const { files, symbols } = indexFiles(roots);
  const services = roots.flatMap((f) => f.services.map((s) => ({ name: s.typeName })));
  const answer = (request: ReflectionRequest): Record<string, unknown> => {
    const base = { valid_host: request.host ?? '', original_request: request };
    const found = (file: DescFile | undefined, what: string): Record<string, unknown> =>
      file === undefined
        ? { ...base, error_response: { error_code: NOT_FOUND, error_message: `${what} not found` } }
        : { ...base, file_descriptor_response: { file_descriptor_proto: descriptorsOf(file) } };
    switch (request.message_request) {
      case 'list_services':
        return { ...base, list_services_response: { service: services } };
      case 'file_by_filename':
        return found(files.get(request.file_by_filename ?? ''), `file ${request.file_by_filename}`);
      case 'file_containing_symbol':
        return found(symbols.get(request.file_containing_symbol ?? ''), `symbol ${request.file_containing_symbol}`);
      default:
        return { ...base, error_response: { error_code: UNIMPLEMENTED, error_message: 'the API defines no extensions' } };
    }
  };
  const handler: grpc.handleBidiStreamingCall<ReflectionRequest, Record<string, unknown>> = (call) => {
    call.on('data', (request: ReflectionRequest) => call.write(answer(request)));
    call.on('end', () => call.end());
  };
  const protoDir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')), 'build', 'proto');
  for (const version of ['v1', 'v1alpha']) {
    const definition = loadSync(join(protoDir, 'grpc', 'reflection', version, 'reflection.proto'), { keepCase: true, oneofs: true, includeDirs: [protoDir] });
    const service = definition[`grpc.reflection.${version}.ServerReflection`] as grpc.ServiceDefinition;
    server.addService(service, { ServerReflectionInfo: handler });
  }
}
