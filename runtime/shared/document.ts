import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type SchemaIssue } from './schema-issues.js';

/** A problem located in a file: `site.yaml:12:5 devices[0].profile: ...`. */
export interface LocatedIssue extends SchemaIssue {
  line?: number;
  col?: number;
}

/** A document that could not be read, parsed or validated. The message lists every problem,
 * each with the file, the line, the path to the field, what was wrong and what is allowed. */
export class DocumentError extends Error {
  constructor(
    readonly file: string,
    readonly kind: string,
    readonly issues: LocatedIssue[],
  ) {
    super(formatDocumentIssues(file, kind, issues));
    // Read top to bottom, as the engineer will fix them.
    this.issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    this.message = formatDocumentIssues(file, kind, this.issues);
    this.name = 'DocumentError';
  }
}

export function formatIssue(file: string, issue: LocatedIssue): string {
  const where = issue.line !== undefined ? `${file}:${issue.line}:${issue.col ?? 1}` : file;
  const field = issue.path.length ? ` ${formatPath(issue.path)}:` : '';
  const allowed = issue.allowed ? `; allowed: ${issue.allowed}` : '';
  return `${where}${field} ${issue.problem}${allowed}`;
}

export function formatDocumentIssues(file: string, kind: string, issues: LocatedIssue[]): string {
  const n = issues.length;
  const head = `${file} is not a valid ${kind} (${n} problem${n === 1 ? '' : 's'}):`;
  return [head, ...issues.map((i) => `  ${formatIssue(file, i)}`)].join('\n');
}

export interface ParsedDocument {
  file: string;
  data: unknown;
  /** Line and column (1-based) of the value at `path`, or of its key, or of the nearest parent
   * that exists (a missing field is reported where its parent is). */
  locate(
    path: readonly (string | number)[],
    atKey?: boolean,
  ): { line: number; col: number } | undefined;
}

function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Reads a YAML or JSON file (by extension; YAML otherwise). JSON is parsed strictly, then
 * located through the YAML parser, which reads JSON as well. */
export function readDocument(file: string, kind: string): ParsedDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${String(code ?? err)})`;
    throw new DocumentError(file, kind, [{ path: [], problem }]);
  }
  if (text.trim() === '')
    throw new DocumentError(file, kind, [{ path: [], problem: 'the file is empty' }]);

  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  let data: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      data = JSON.parse(text) as unknown;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const at = /position (\d+)/.exec(msg);
      const pos = at?.[1] !== undefined ? positionOf(text, Number(at[1])) : undefined;
      throw new DocumentError(file, kind, [
        {
          path: [],
          problem: `not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`,
          ...pos,
        },
      ]);
    }
  } else {
    if (doc.errors.length > 0) {
      throw new DocumentError(
        file,
        kind,
        doc.errors.map((e) => {
          const pos = counter.linePos(e.pos[0]);
          return {
            path: [],
            problem: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}`,
            line: pos.line,
            col: pos.col,
          };
        }),
      );
    }
    data = doc.toJS() as unknown;
  }
  return {
    file,
    data,
    locate: (path, atKey) => locateNode(doc, counter, path, atKey),
  };
}

function locateNode(
  doc: Document,
  counter: LineCounter,
  path: readonly (string | number)[],
  atKey = false,
): { line: number; col: number } | undefined {
  let node: Node | null | undefined = doc.contents;
  let found: Node | null | undefined = node;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      node = (last && atKey ? pair.key : pair.value) as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node | undefined;
    } else {
      break;
    }
    if (node) found = node;
  }
  const start = found?.range?.[0];
  return start === undefined ? undefined : counter.linePos(start);
}
