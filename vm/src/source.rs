//! Source files and byte spans into them.
//!
//! A program may span several files (its `use` items load modules). Every file of a program
//! gets its own range of one offset space, as rustc's `SourceMap` does: the first file starts at
//! offset 0, each further file one byte after the end of the one before. A [`Span`] is a range
//! of that space, so it names its file as well as its bytes: [`SourceMap::file_of`] finds the
//! file (its index in the map is the file id). A program of one file has exactly the offsets
//! it always had.

/// A byte range into the program's sources (see the module docs: the offset also names the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: start as u32, end: end as u32 }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    /// The same span moved by `by` bytes (into a file that starts at offset `by`).
    pub fn shifted(self, by: u32) -> Span {
        Span { start: self.start.saturating_add(by), end: self.end.saturating_add(by) }
    }
}

/// A guest program's text and the path it was loaded from (as the user wrote it).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    /// Where the file starts in its program's offset space (0 for the first file).
    pub base: u32,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self::at(path, text, 0)
    }

    /// A file whose offsets start at `base`.
    pub fn at(path: impl Into<String>, text: impl Into<String>, base: u32) -> Self {
        let text = text.into();
        let mut line_starts = vec![base];
        line_starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| base + i as u32 + 1));
        SourceFile { path: path.into(), text, base, line_starts }
    }

    /// 1-based line and column of an offset (in the program's offset space).
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = (self.line_starts[line] - self.base) as usize;
        let end = (offset.saturating_sub(self.base) as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(end.saturating_sub(start), |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Offsets (in the program's offset space) where lines start.
    pub fn line_starts(&self) -> Vec<u32> {
        self.line_starts.clone()
    }

    /// 1-based line of a span's start.
    pub fn line(&self, span: Span) -> usize {
        self.line_col(span.start).0
    }

    /// The offset just past the file's last byte.
    pub fn end(&self) -> u32 {
        self.base + self.text.len() as u32
    }

    /// The text a span covers, if it lies in this file.
    pub fn slice(&self, span: Span) -> Option<&str> {
        let s = span.start.checked_sub(self.base)? as usize;
        let e = span.end.checked_sub(self.base)? as usize;
        self.text.get(s..e)
    }
}

/// Every file of a program, each at its own range of offsets. The first is the program's own
/// file (the one `spindle run` was given).
#[derive(Clone, Debug)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// Offsets are `u32`: the files of one program together hold at most this many bytes.
pub const MAX_TOTAL_SOURCE: u64 = u32::MAX as u64 - 1;

impl SourceMap {
    /// A map holding the program's own file (which must start at offset 0).
    pub fn new(root: SourceFile) -> Self {
        debug_assert_eq!(root.base, 0);
        SourceMap { files: vec![root] }
    }

    /// Adds a file after the others; `None` if the offsets would not fit in 32 bits.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> Option<&SourceFile> {
        let text = text.into();
        let base = self.files.last().map_or(0, |f| f.end() as u64 + 1);
        if base + text.len() as u64 > MAX_TOTAL_SOURCE {
            return None;
        }
        self.files.push(SourceFile::at(path, text, base as u32));
        self.files.last()
    }

    /// The program's own file.
    pub fn root(&self) -> &SourceFile {
        &self.files[0]
    }

    /// Every file, the program's own first.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The id (index) of the file an offset lies in.
    pub fn file_id(&self, offset: u32) -> usize {
        self.files.partition_point(|f| f.base <= offset).saturating_sub(1)
    }

    /// The file an offset lies in.
    pub fn file_of(&self, offset: u32) -> &SourceFile {
        &self.files[self.file_id(offset)]
    }

    /// The path, 1-based line and column of an offset.
    pub fn locate(&self, offset: u32) -> (&str, usize, usize) {
        let f = self.file_of(offset);
        let (l, c) = f.line_col(offset);
        (&f.path, l, c)
    }

    /// The text a span covers ("" if it does not lie in one file).
    pub fn slice(&self, span: Span) -> &str {
        self.file_of(span.start).slice(span).unwrap_or("")
    }
}

impl From<SourceFile> for SourceMap {
    fn from(f: SourceFile) -> Self {
        SourceMap::new(f)
    }
}
