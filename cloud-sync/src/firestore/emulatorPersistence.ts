/**
 * Keeps the in-process Firestore emulator's documents on disk, like the Firebase emulator's
 * import/export: `<dir>/snapshot.jsonl` (every document at start, written whole then renamed) and
 * `<dir>/journal.jsonl` (each create/update/delete appended as it happens, before the write is
 * answered). At start the snapshot and then the journal are replayed, and both are folded into a
 * new snapshot. A torn last journal line (power cut mid-append) is skipped with a warning.
 * Documents travel as their Firestore v1 protobuf, base64, so every value type survives.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirestoreState, FirestoreStateDocument } from '@firestore-emulator/server';
import { Document } from '@firestore-emulator/proto/dist/google/firestore/v1/document.js';
import { Write } from '@firestore-emulator/proto/dist/google/firestore/v1/write.js';

interface Line {
  /** Full resource name: projects/<p>/databases/<d>/documents/<path>. */
  name: string;
  /** v1 Document protobuf, base64; absent: deleted. */
  doc?: string;
  createdAt?: number;
}

const lineOf = (d: FirestoreStateDocument): Line =>
  d.metadata.hasExist
    ? { name: d.getPath(), doc: Buffer.from(d.toV1Document().serializeBinary()).toString('base64'), createdAt: d.metadata.createdAt.getTime() }
    : { name: d.getPath() };

function readLines(file: string, warn: (msg: string) => void): Line[] {
  if (!existsSync(file)) return [];
  const out: Line[] = [];
  for (const [i, text] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!text.trim()) continue;
    try {
      out.push(JSON.parse(text) as Line);
    } catch {
      warn(`${file} line ${i + 1} is incomplete (cut off while written?); skipped`);
    }
  }
  return out;
}

/** Every existing document of the state, walking projects → databases → collections → documents. */
function* allDocuments(state: FirestoreState): Generator<FirestoreStateDocument> {
  type Node = { collections?: Record<string, unknown>; databases?: Record<string, unknown> };
  const json = state.toJSON() as { projects: Record<string, Node> };
  // toJSON gives paths; the live objects are fetched by path so their metadata (times) is kept.
  const walkDoc = function* (doc: { path: string; collections: Record<string, { documents: Record<string, unknown> }> }): Generator<string> {
    yield doc.path;
    for (const col of Object.values(doc.collections)) for (const child of Object.values(col.documents)) yield* walkDoc(child as typeof doc);
  };
  for (const project of Object.values(json.projects)) {
    for (const db of Object.values((project as { databases: Record<string, { collections: Record<string, { documents: Record<string, unknown> }> }> }).databases)) {
      for (const col of Object.values(db.collections)) {
        for (const doc of Object.values(col.documents)) {
          for (const path of walkDoc(doc as Parameters<typeof walkDoc>[0])) {
            const d = state.getDocument(path);
            if (d.metadata.hasExist) yield d;
          }
        }
      }
    }
  }
}

export function persistEmulatorState(state: FirestoreState, dir: string, warn: (msg: string) => void = (m) => process.emitWarning(m)): { documents: number } {
  mkdirSync(dir, { recursive: true });
  const snapshot = join(dir, 'snapshot.jsonl');
  const journal = join(dir, 'journal.jsonl');

  // Replay: the last line for a name wins.
  const latest = new Map<string, Line>();
  for (const line of [...readLines(snapshot, warn), ...readLines(journal, warn)]) latest.set(line.name, line);
  for (const line of latest.values()) {
    if (!line.doc) continue;
    const doc = Document.deserializeBinary(Buffer.from(line.doc, 'base64'));
    const updated = doc.has_update_time ? new Date(Number(doc.update_time.seconds) * 1000 + Math.floor(doc.update_time.nanos / 1e6)) : new Date();
    state.writeV1Document(updated, new Write({ update: new Document({ name: line.name, fields: doc.fields }) }));
    const restored = state.getDocument(line.name);
    if (line.createdAt) restored.metadata = { ...restored.metadata, createdAt: new Date(line.createdAt) } as typeof restored.metadata;
  }

  // Fold into a fresh snapshot, then start an empty journal.
  const lines = [...allDocuments(state)].map((d) => JSON.stringify(lineOf(d)));
  writeFileSync(`${snapshot}.tmp`, lines.length ? `${lines.join('\n')}\n` : '');
  renameSync(`${snapshot}.tmp`, snapshot);
  writeFileSync(journal, '');

  // Append each change synchronously, before the emulator answers the write.
  const record = ({ document }: { document: FirestoreStateDocument }) => appendFileSync(journal, `${JSON.stringify(lineOf(document))}\n`);
  state.emitter.on('create-document', record);
  state.emitter.on('update-document', record);
  state.emitter.on('delete-document', record);
  return { documents: lines.length };
}
