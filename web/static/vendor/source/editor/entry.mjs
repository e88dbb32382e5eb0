// The one entry of the vendored bundle: CodeMirror 6 with SPARQL, and N3.js's N-Triples parser, as two globals
// for the project's own plain scripts (web/static/editor.js). No code of the project lives here beyond the glue.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { EditorState, Prec } from "@codemirror/state";
import { autocompletion } from "@codemirror/autocomplete";
import { setDiagnostics } from "@codemirror/lint";
import { HighlightStyle, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { sparql } from "codemirror-lang-sparql";
import { Parser } from "n3";

// Editor text that meets WCAG AA contrast on white (the default gutter grey does not).
const readable = EditorView.theme({
  ".cm-gutters": { color: "#4a4a4a", backgroundColor: "#f3f3f3" },
  ".cm-activeLineGutter": { color: "#111" },
  "&.cm-focused": { outline: "2px solid #1a4f8b" },
});

// CodeMirror's own highlight colours, less the three below 4.5:1 on its active-line blue (#f1faff): the type and
// namespace green (prefixed names), the regexp/escape orange and the invalid-token red. Set in place of the default
// (basicSetup's is a fallback), so every other colour and style stays as CodeMirror has it.
const DARKER = { "#085": "#006644", "#e40": "#b33000", "#f00": "#c00000" };
const readableHighlight = syntaxHighlighting(HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) => (spec.color in DARKER ? { ...spec, color: DARKER[spec.color] } : spec))));

// A term of N3.js as a SPARQL 1.1 JSON results term.
function term(node) {
  if (node.termType === "NamedNode") return { type: "uri", value: node.value };
  if (node.termType === "BlankNode") return { type: "bnode", value: node.value };
  const literal = { type: "literal", value: node.value };
  if (node.language) literal["xml:lang"] = node.language;
  else if (node.datatype && node.datatype.value !== "http://www.w3.org/2001/XMLSchema#string") {
    literal.datatype = node.datatype.value;
  }
  return literal;
}

window.TwinningEditor = {
  /** An editor in `parent` holding `doc`; `run` is called on Ctrl+Enter (Cmd+Enter on a Mac), `complete` is a
   * CodeMirror completion source, `label` names the text box for assistive technology. */
  create(parent, { doc, run, complete, label, onChange }) {
    return new EditorView({
      parent,
      state: EditorState.create({
        doc,
        extensions: [
          Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } }])),
          basicSetup,
          sparql(),
          autocompletion({ override: [complete], activateOnTyping: true }),
          readable,
          readableHighlight,
          EditorView.lineWrapping, // a long query stays readable without scrolling sideways
          // tabindex makes the text box focusable in axe-core's eyes too (a contenteditable is, to browsers), so the
          // scroller holding a long query counts as reachable by keyboard; the Tab order is unchanged.
          EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
          EditorView.updateListener.of((update) => { if (update.docChanged && onChange) onChange(); }),
        ],
      }),
    });
  },
  text(view) { return view.state.doc.toString(); },
  setText(view, text) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }); },
  /** Marks the parser's error at a line and column (both from 1), or clears every mark when `message` is null. */
  markError(view, line, column, message) {
    if (message === null) return view.dispatch(setDiagnostics(view.state, []));
    const doc = view.state.doc;
    const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
    // A parser may point just past a line's end (where it expected more): the mark then takes its last character.
    const from = Math.max(Math.min(at.from + Math.max(column - 1, 0), at.to - 1), at.from);
    const to = Math.min(from + 1, at.to);
    view.dispatch(setDiagnostics(view.state, [{ from, to, severity: "error", message }]));
    view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
  },
};

window.TwinningRDF = {
  /** The triples of an N-Triples text as [{s, p, o}] of SPARQL JSON terms. */
  parseNTriples(text) {
    return new Parser({ format: "N-Triples" }).parse(text)
      .map((q) => ({ s: term(q.subject), p: term(q.predicate), o: term(q.object) }));
  },
};
