/**
 * A self-contained HTML rendering of the OpenAPI document for /docs: no scripts and nothing
 * fetched from elsewhere, so it works where the server has no internet.
 */

import { createHash } from 'node:crypto';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: {
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    schema?: unknown;
  }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  'x-gridscope-role'?: string;
}

interface Document {
  info: { title: string; version: string; description?: string };
  paths?: object;
}

/** The page's one style sheet; the Content-Security-Policy allows it by its hash. */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #d0d7de;padding:.5rem 0}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}
.m{font-weight:700;padding:0 .3rem;border-radius:3px;background:#ddf4ff}.d{color:#57606a}
.post{background:#dafbe1}.delete{background:#ffebe9}.patch,.put{background:#fff8c5}
`;

/** The `style-src` source that admits the /docs style sheet and nothing else. */
export const DOCS_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function schemaText(schema: unknown): string {
  return escape(JSON.stringify(schema, null, 2) ?? '');
}

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escape(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(([type, c]) => `<p>Body (${escape(type)}):</p><pre>${schemaText(c.schema)}</pre>`)
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(([code, r]) => `<li><b>${escape(code)}</b> ${escape(r.description ?? '')}</li>`)
    .join('');
  return `<section id="${escape(method + path)}">
<h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary ?? '')}</p>
<p class="d">${escape(op.description ?? '').replaceAll('\n', '<br>')}</p>
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${params}</table>` : ''}
${body}
<ul>${responses}</ul>
</section>`;
}

/** The /docs page of an OpenAPI 3.1 document. */
export function renderDocs(doc: Document, specPath: string): string {
  const byTag = new Map<string, string[]>();
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const sections = [...byTag]
    .map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('\n')}`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>Machine-readable document: <a href="${escape(specPath)}">${escape(specPath)}</a></p>
${sections}
</body></html>`;
}
