// CodeMirror 6 for SQL and YAML: line numbers, highlighting, brackets, undo, find (Ctrl-F).
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { sql, StandardSQL } from "@codemirror/lang-sql";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { EditorState } from "@codemirror/state";
import {
  drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers,
  placeholder as placeholderExt,
} from "@codemirror/view";
import { useEffect, useRef } from "react";

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  language: "sql" | "yaml" | "text";
  minHeight?: number;
  maxHeight?: number;
  readOnly?: boolean;
  placeholder?: string;
  invalid?: boolean;
  label?: string; // aria-label of the editing area
  testId?: string;
}

export function CodeEditor({ value, onChange, language, minHeight = 120, maxHeight = 520, readOnly, placeholder, invalid, label, testId }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const lang = language === "sql" ? [sql({ dialect: StandardSQL, upperCaseKeywords: true })] : language === "yaml" ? [yaml()] : [];
    const state = EditorState.create({
      doc: value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        search({ top: true }),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
        EditorState.readOnly.of(!!readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({ "aria-label": label ?? language + " editor" }),
        EditorView.theme({
          "&": { minHeight: `${minHeight}px`, maxHeight: `${maxHeight}px` },
          ".cm-scroller": { minHeight: `${minHeight}px`, maxHeight: `${maxHeight}px`, overflow: "auto" },
        }),
        ...(placeholder ? [placeholderExt(placeholder)] : []),
        ...lang,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed.current?.(update.state.doc.toString());
        }),
      ],
    });
    view.current = new EditorView({ state, parent: host.current! });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // The editor is created once per language; value changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language, readOnly]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} className={"cm-host" + (invalid ? " cm-invalid" : "")} data-testid={testId} />;
}
