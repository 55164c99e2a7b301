//! Diagnostics: what went wrong, where, and how to read it — rendered rustc-style.
//!
//! Every failure a user sees (a parse error, undefined behaviour, a deadlock, an unsupported
//! call) is a [`Diagnostic`]; [`render`] is the one place that turns them into text.

use crate::source::{SourceFile, SourceMap, Span};
use annotate_snippets::{AnnotationKind, Group, Level as AsLevel, Renderer, Snippet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// A span with a message pointing at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub title: String,
    /// Where it happened. `None` for failures with no place in the source (a bad file).
    pub primary: Option<Label>,
    /// Related places (the other access of a race, where an allocation was made).
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub helps: Vec<String>,
    /// Guest stacks, rendered after the notes and helps as Miri does ("inside `f` at …").
    pub backtraces: Vec<Backtrace>,
}

/// A guest call stack, innermost frame first.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Backtrace {
    /// What the stack is of, when a report has more than one ("(1), on thread `a`").
    pub title: String,
    /// (function, where in it) — the failing operation in the innermost frame, the call in the
    /// others.
    pub frames: Vec<(String, Span)>,
    /// Outer frames that were not recorded (the stack of an earlier access is kept only so deep).
    pub unrecorded: bool,
}

/// A backtrace deeper than this shows its innermost frames, "… N more frames", and `main`'s.
pub const MAX_BACKTRACE: usize = 12;

impl Diagnostic {
    pub fn error(title: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            title: title.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            helps: Vec::new(),
            backtraces: Vec::new(),
        }
    }
    pub fn warning(title: impl Into<String>) -> Self {
        Diagnostic { level: Level::Warning, ..Self::error(title) }
    }
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label { span, text: label.into() });
        self
    }
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label { span, text: label.into() });
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.helps.push(help.into());
        self
    }
}

/// Lines longer than this are cut around the span before rendering, so that a 1 MB line does
/// not produce a 1 MB diagnostic.
const MAX_RENDERED_LINE: usize = 200;

/// Renders diagnostics as rustc does. `color` picks ANSI styling (for a terminal). Each label
/// is shown in the file its span lies in (`sources` holds every file of the program).
pub fn render(diags: &[Diagnostic], sources: Option<&SourceMap>, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for d in diags {
        let level = match d.level {
            Level::Error => AsLevel::ERROR,
            Level::Warning => AsLevel::WARNING,
        };
        // Secondary labels in another part of the file are rendered as their own snippet, so
        // each excerpt stays short.
        let mut title = Group::with_title(level.clone().primary_title(d.title.as_str()));
        let mut excerpts = Vec::new();
        if let Some(sources) = sources {
            let labels = d.primary.iter().map(|l| (l, true)).chain(d.secondary.iter().map(|l| (l, false)));
            for (label, primary) in labels {
                let file = sources.file_of(label.span.start);
                excerpts.push((excerpt(file, label, primary), file.path.as_str()));
            }
        }
        for ((src, line, range, text, primary), path) in &excerpts {
            let kind = if *primary { AnnotationKind::Primary } else { AnnotationKind::Context };
            title = title.element(
                Snippet::source(src.as_str()).line_start(*line).path(*path).annotation(kind.span(range.clone()).label(text.as_str())),
            );
        }
        for n in &d.notes {
            title = title.element(AsLevel::NOTE.message(n.as_str()));
        }
        for h in &d.helps {
            title = title.element(AsLevel::HELP.message(h.as_str()));
        }
        let bt_lines: Vec<String> = d.backtraces.iter().flat_map(|bt| backtrace_lines(bt, sources)).collect();
        for l in &bt_lines {
            title = title.element(AsLevel::NOTE.message(l.as_str()));
        }
        let report: &[Group<'_>] = &[title];
        out.push_str(&renderer.render(report));
        out.push('\n');
    }
    out
}

/// "BACKTRACE:" and one "inside `f` at file:line:col" per frame, a deep stack cut in the middle.
fn backtrace_lines(bt: &Backtrace, sources: Option<&SourceMap>) -> Vec<String> {
    let at = |span: Span| match sources {
        Some(m) => {
            let (path, line, col) = m.locate(span.start);
            format!("{path}:{line}:{col}")
        }
        None => format!("byte {}", span.start),
    };
    let mut out = vec![if bt.title.is_empty() { "BACKTRACE:".to_string() } else { format!("BACKTRACE of {}:", bt.title) }];
    let n = bt.frames.len();
    for (i, (func, span)) in bt.frames.iter().enumerate() {
        // Deep stacks (recursion) keep the innermost frames and the outermost one.
        if n > MAX_BACKTRACE && i >= MAX_BACKTRACE - 2 && i + 1 < n {
            if i == MAX_BACKTRACE - 2 {
                out.push(format!("… {} more frames", n - MAX_BACKTRACE + 1));
            }
            continue;
        }
        out.push(format!("inside `{func}` at {}", at(*span)));
    }
    if bt.unrecorded {
        out.push("… the callers were not recorded".to_string());
    }
    out
}

/// Cuts the lines that a label covers out of the file: (text, first line number, range within
/// the text, label, primary?). Long lines are shortened around the span.
fn excerpt(file: &SourceFile, label: &Label, primary: bool) -> (String, usize, std::ops::Range<usize>, String, bool) {
    let text = &file.text;
    let len = text.len();
    // Spans always lie on char boundaries; a label must not be able to crash the report if
    // one does not. Offsets are the program's; the file's own start at its base.
    let start = floor_char(text, (label.span.start.saturating_sub(file.base) as usize).min(len));
    let end = ceil_char(text, (label.span.end.saturating_sub(file.base) as usize).clamp(start, len));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(len, |i| end + i);
    let (line, _) = file.line_col(file.base + start as u32);
    let mut src = text[line_start..line_end].to_string();
    let mut range = (start - line_start)..(end - line_start);
    if src.len() > MAX_RENDERED_LINE || src.lines().count() > 12 {
        // Keep a window around the start of the span, on char boundaries.
        let from = floor_char(&src, range.start.saturating_sub(60));
        // At most 80 bytes of the span are underlined, cut on a char boundary.
        let span_end = ceil_char(&src, range.start + (range.end - range.start).min(80));
        let to = ceil_char(&src, (span_end + 60).min(src.len()));
        let window = src[from..to].replace('\n', " ");
        let prefix = if from > 0 { "..." } else { "" };
        let suffix = if to < src.len() { "..." } else { "" };
        let shift = prefix.len();
        range = (range.start - from + shift)..(span_end - from + shift);
        src = format!("{prefix}{window}{suffix}");
    }
    (src, line, range, label.text.clone(), primary)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
