/**
 * The script editor's language service in a worker thread (see editor-pool.ts): type checking is
 * CPU-heavy and a request's script comes from any client, so it never runs on the daemon's main
 * thread. One request at a time; the answer or the error goes back on the same port.
 */
import { parentPort } from 'node:worker_threads';
import type { EditorReply, EditorRequest } from './editor-pool.js';
import { ScriptEditorService } from './script-editor.js';

let editor: { declarations: string; service: ScriptEditorService } | undefined;

parentPort?.on('message', (request: EditorRequest) => {
  let reply: EditorReply;
  try {
    if (editor?.declarations !== request.declarations) editor = { declarations: request.declarations, service: new ScriptEditorService(request.declarations) };
    reply =
      request.kind === 'check'
        ? { id: request.id, ok: true, problems: editor.service.check(request.name, request.source) }
        : { id: request.id, ok: true, completion: editor.service.complete(request.name, request.source, request.position ?? 0) };
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
