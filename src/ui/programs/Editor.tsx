/**
 * The program editor: CodeMirror 6 with JavaScript, the `sys` API completed and explained on hover (sysApi.ts,
 * one table for both), and syntax errors marked as the sandbox engine itself reports them (checkProgram in the
 * kernel worker, debounced). Loaded lazily (ProgramsTab imports it dynamically): none of this is in the page's
 * initial JavaScript.
 */
import { useEffect, useRef } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript';
import { type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, type Diagnostic } from '@codemirror/lint';
import { hoverTooltip } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import type { ProgramCheck } from '../../kernel/host-api';
import { SYS_API, sysEntry, type SysEntry } from './sysApi';

export interface EditorProps {
  /** The text shown when the editor is made (a new `docKey` makes it again with this text). */
  initial: string;
  docKey: string;
  onChange(source: string): void;
  /** Ask the engine (the kernel worker) whether it compiles. */
  check(source: string): Promise<ProgramCheck>;
  /** The latest check's result, for the line under the editor. */
  onChecked(result: ProgramCheck, source: string): void;
}

/** Completions after "sys.": the API with its signature and what it does. */
function sysCompletions(context: CompletionContext): CompletionResult | null {
  const word = context.matchBefore(/\bsys\.\w*/);
  if (!word) return null;
  return {
    from: word.from + 4,
    options: SYS_API.map((e) => ({
      label: e.name,
      type: e.signature.includes('(') ? 'function' : 'property',
      detail: e.signature.replace(/^sys\.\w+/, ''),
      info: () => docNode(e),
      boost: e.syscall ? 1 : 0,
    })),
    validFor: /^\w*$/,
  };
}

function docNode(e: SysEntry): HTMLElement {
  const div = document.createElement('div');
  div.className = 'sys-doc';
  const sig = document.createElement('code');
  sig.textContent = e.signature;
  const p = document.createElement('p');
  p.textContent = `${e.syscall ? 'Syscall. ' : ''}${e.doc}`;
  div.append(sig, p);
  return div;
}

/** Hovering `sys.call` (either word) shows the same text as its completion. */
const sysHover = hoverTooltip((view, pos) => {
  const line = view.state.doc.lineAt(pos);
  const re = /\bsys\.(\w+)/g;
  for (let m; (m = re.exec(line.text));) {
    const from = line.from + m.index;
    const to = from + m[0].length;
    const entry = sysEntry(m[1]);
    if (entry && pos >= from && pos <= to) return { pos: from, end: to, above: true, create: () => ({ dom: docNode(entry) }) };
  }
  return null;
});

/** The engine's message at its line:column (1-based), as an error diagnostic. */
function diagnostic(view: EditorView, r: Extract<ProgramCheck, { ok: false }>): Diagnostic {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(1, r.line), doc.lines));
  const from = Math.min(line.from + Math.max(0, r.column - 1), line.to);
  return { from, to: Math.min(Math.max(from + 1, line.to), doc.length), severity: 'error', message: r.message, source: 'QuickJS' };
}

/** Colours from the page's theme variables, so light and dark follow the theme toggle. */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: 'var(--purple)' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--ok)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--orange)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: 'var(--info)' },
  { tag: [t.definition(t.variableName)], color: 'var(--fg)', fontWeight: '600' },
  { tag: t.invalid, color: 'var(--bad)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--bg)', color: 'var(--fg)', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--bg1)', color: 'var(--muted)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 14%, transparent)', color: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)',
  },
  '.cm-tooltip': { backgroundColor: 'var(--bg1)', color: 'var(--fg)', border: '1px solid var(--line)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--primary-bg)', color: 'var(--primary-fg)' },
  '.cm-completionDetail': { color: 'inherit', opacity: 0.85 },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--bad)' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--bg2)', color: 'var(--fg)', border: 'none' },
  '.cm-panels': { backgroundColor: 'var(--bg1)', color: 'var(--fg)' },
});

export default function Editor({ initial, docKey, onChange, check, onChecked }: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const props = useRef({ onChange, check, onChecked });
  props.current = { onChange, check, onChecked };
  useEffect(() => {
    const lint = linter(
      async (view) => {
        const source = view.state.doc.toString();
        let r: ProgramCheck;
        try {
          r = await props.current.check(source);
        } catch {
          return []; // the worker is going (a recovery): the next edit checks again
        }
        if (view.state.doc.toString() !== source) return [];
        props.current.onChecked(r, source);
        return r.ok ? [] : [diagnostic(view, r)];
      },
      { delay: 400 },
    );
    const view = new EditorView({
      parent: host.current!,
      doc: initial,
      extensions: [
        basicSetup,
        javascript(),
        javascriptLanguage.data.of({ autocomplete: sysCompletions }),
        sysHover,
        lint,
        syntaxHighlighting(highlight),
        theme,
        EditorView.lineWrapping, // the pane is narrow: a long line wraps rather than hiding its end
        // tabindex: it is focusable anyway (contenteditable); said so, its scroller counts as keyboard-reachable (axe).
        EditorView.contentAttributes.of({ 'aria-label': 'Program source (JavaScript)', tabindex: '0' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) props.current.onChange(u.state.doc.toString());
        }),
      ],
    });
    return () => view.destroy();
    // A new docKey (another program picked) makes the editor anew with that program's text.
  }, [docKey]); // eslint-disable-line react-hooks/exhaustive-deps -- `initial` is read when docKey changes
  return <div ref={host} className="program-editor" data-testid="program-editor" />;
}
