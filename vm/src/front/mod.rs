//! The front end: text → tokens → syntax tree → checked, lowered program.
//!
//! A program may span several files: `use "path.mir";` and `use std::NAME;` items load modules
//! (docs/language.md, "Modules"). The front end reads no files itself: a [`Loader`] the host
//! gives it reads paths, and the [`Resolver`] supplies the standard library's modules. Every
//! file gets its own range of offsets in one [`SourceMap`], so every span names its file.

pub mod ast;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod suggest;

use crate::diag::Diagnostic;
use crate::ir::Program;
use crate::source::{SourceFile, SourceMap, Span};
use ast::UseTarget;

/// What the front end needs to know about the outside world: which foreign functions exist and
/// which named constants are built in. The shim layer provides it; the VM knows no Linux names.
pub trait Resolver: Sync {
    fn foreign(&self, name: &str) -> Option<crate::ir::ForeignSig>;
    fn constant(&self, name: &str) -> Option<u64>;
    /// Every foreign function `foreign` resolves, for "did you mean" suggestions.
    fn foreign_names(&self) -> Vec<&str> {
        Vec::new()
    }
    /// Every constant `constant` resolves, for "did you mean" suggestions.
    fn constant_names(&self) -> Vec<&str> {
        Vec::new()
    }
    /// A function that exists on the platform but that the resolver does not implement, with
    /// how it returns (`ForeignRet::Never` for `pthread_exit` and the like). A call to it is
    /// accepted with a warning and stops the run as *unsupported* if it is executed; any other
    /// unknown name is an error (most likely a typo).
    fn unimplemented(&self, _name: &str) -> Option<crate::ir::ForeignRet> {
        None
    }
    /// The source of the standard-library module `use std::NAME;` names (`NAME` may contain
    /// `::`), if the host ships one. The VM ships none: the standard library is guest code of
    /// the host's (Spindle's is Linux's, in `spindle-shims`).
    fn std_module(&self, _name: &str) -> Option<&'static str> {
        None
    }
}

/// A file a [`Loader`] read for a `use`.
pub struct LoadedFile {
    /// Identifies the file: two `use`s that reach the same key load it once (a canonical path).
    pub key: String,
    /// The path diagnostics show.
    pub path: String,
    pub text: String,
}

/// Reads the files `use "path";` items name. The host implements it (the VM reads no files).
pub trait Loader: Sync {
    /// The file `path` names, as seen from the file `from` (the importing file's path as
    /// loaded), or why it cannot be read (one sentence, without the path).
    fn load(&self, from: &str, path: &str) -> Result<LoadedFile, String>;
    /// The key of the program's own file (so that a `use` of it is seen as a cycle).
    fn key_of(&self, path: &str) -> String {
        path.to_string()
    }
}

/// How to compile: where modules come from, and `--const NAME=VALUE` overrides.
#[derive(Default, Clone, Copy)]
pub struct Options<'a> {
    /// Reads `use "path";` files; without one, such a `use` is an error.
    pub loader: Option<&'a dyn Loader>,
    /// `(NAME, VALUE)`: replaces the value of the program's `const NAME`.
    pub consts: &'a [(String, String)],
}

/// The deepest chain of `use`s (a file that uses a file that uses … ) accepted.
pub const MAX_USE_DEPTH: usize = 64;
/// The most files one program may have.
pub const MAX_FILES: usize = 1024;

/// The result of compiling a program: the program (if there were no errors), every
/// diagnostic, warnings included, and every file it was read from.
pub struct Compiled {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

/// Stack for the front end's own thread. Parsing, checking and lowering recurse once per level
/// of an expression (bounded by `parser::MAX_NESTING` and `parser::MAX_TREE_HEIGHT`); in a debug
/// build a level of parentheses takes about 20 KiB, so 256 of them overflow the 2 MiB stack of
/// a test thread. Pages are only committed when touched.
const FRONT_END_STACK: usize = 64 << 20;

/// Parses, checks and lowers a program of one file (a `use` of a path is an error: there is
/// no loader). See [`compile_with`].
pub fn compile(file: &SourceFile, resolver: &dyn Resolver) -> Compiled {
    compile_with(file, resolver, Options::default())
}

/// Parses, checks and lowers a program and the modules it uses. It runs on a thread of its own
/// with a stack big enough for the nesting limits, whatever the caller's stack size (inline if
/// no thread can be made).
pub fn compile_with(file: &SourceFile, resolver: &dyn Resolver, options: Options<'_>) -> Compiled {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("spindle-front-end".into()).stack_size(FRONT_END_STACK);
        match worker.spawn_scoped(s, || compile_here(file, resolver, options)) {
            Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => compile_here(file, resolver, options),
        }
    })
}

fn compile_here(file: &SourceFile, resolver: &dyn Resolver, options: Options<'_>) -> Compiled {
    let root = SourceFile::new(file.path.clone(), file.text.clone());
    let mut loading = Loading { map: SourceMap::new(root), modules: Vec::new(), keys: Vec::new(), stack: Vec::new(), resolver, options };
    let module = match loading.parse_file(0) {
        Ok(m) => m,
        Err(d) => return loading.failed(d),
    };
    let root_key = options.loader.map_or_else(|| file.path.clone(), |l| l.key_of(&file.path));
    loading.keys.push(root_key.clone());
    loading.stack.push((root_key, file.path.clone()));
    if let Err(d) = loading.load_uses(module) {
        return loading.failed(d);
    }
    let mut merged = ast::Module::default();
    for m in loading.modules.drain(..) {
        merged.statics.extend(m.statics);
        merged.fns.extend(m.fns);
        merged.uses.extend(m.uses);
        merged.consts.extend(m.consts);
    }
    if let Err(d) = loading.override_consts(&mut merged) {
        return loading.failed(d);
    }
    let (program, diagnostics) = lower::lower(&merged, &loading.map, resolver);
    Compiled { program, diagnostics, sources: loading.map }
}

struct Loading<'a> {
    map: SourceMap,
    /// Every file's syntax tree, in load order (the program's own first).
    modules: Vec<ast::Module>,
    /// The key of every file loaded.
    keys: Vec<String>,
    /// The chain of files being loaded: (key, path).
    stack: Vec<(String, String)>,
    resolver: &'a dyn Resolver,
    options: Options<'a>,
}

impl Loading<'_> {
    fn failed(self, d: Diagnostic) -> Compiled {
        Compiled { program: None, diagnostics: vec![d], sources: self.map }
    }

    /// Lexes and parses file `id` of the map.
    fn parse_file(&self, id: usize) -> Result<ast::Module, Diagnostic> {
        let f = &self.map.files()[id];
        let mut tokens = lexer::lex(&f.text).map_err(|d| shift(d, f.base))?;
        for t in &mut tokens {
            t.span = t.span.shifted(f.base);
        }
        parser::parse(&tokens)
    }

    /// Loads, depth first, every module `module` uses that is not loaded yet; then keeps
    /// `module` (so the program's own items come first, then each module's in the order of
    /// their first `use`).
    fn load_uses(&mut self, module: ast::Module) -> Result<(), Diagnostic> {
        let uses: Vec<(UseTarget, Span, Span)> = module.uses.iter().map(|u| (u.target.clone(), u.target_span, u.span)).collect();
        self.modules.push(module);
        for (target, target_span, span) in uses {
            let from = self.stack.last().map(|(_, p)| p.clone()).unwrap_or_default();
            let (key, path, text) = match &target {
                UseTarget::Std(words) => {
                    let name = words.join("::");
                    let Some(text) = self.resolver.std_module(&name) else {
                        return Err(Diagnostic::error(format!("there is no standard-library module `std::{name}`"))
                            .at(target_span, "not in the standard library")
                            .help("the standard library has `std::linux`, `std::epoll` and `std::names` (docs/language.md, \"The standard library\")"));
                    };
                    (format!("std::{name}"), format!("<std>/{}.mir", words.join("/")), text.to_string())
                }
                UseTarget::Path(p) => {
                    let Some(loader) = self.options.loader else {
                        return Err(Diagnostic::error(format!(
                            "cannot load `{p}`: this program was given as text, with no files around it"
                        ))
                        .at(target_span, "a file module")
                        .help("load the program from a file (`Program::from_path`), or use only `std::` modules"));
                    };
                    if from.starts_with("<std>") {
                        return Err(
                            Diagnostic::error("a standard-library module can only use other `std::` modules").at(target_span, "a file")
                        );
                    }
                    match loader.load(&from, p) {
                        Ok(f) => (f.key, f.path, f.text),
                        Err(why) => {
                            return Err(Diagnostic::error(format!("cannot load module `{p}`: {why}"))
                                .at(target_span, "this `use`")
                                .note(format!("`{p}` is resolved relative to the directory of `{from}`")))
                        }
                    }
                }
            };
            if let Some(i) = self.stack.iter().position(|(k, _)| *k == key) {
                let mut chain: Vec<&str> = self.stack[i..].iter().map(|(_, p)| p.as_str()).collect();
                chain.push(&path);
                return Err(Diagnostic::error(format!("`use` cycle: {}", chain.join(" → ")))
                    .at(span, format!("`{}` is already being loaded", path))
                    .note("modules may not use each other in a cycle; move what both need into a third module"));
            }
            if self.keys.contains(&key) {
                continue; // loaded once
            }
            if self.stack.len() >= MAX_USE_DEPTH {
                return Err(Diagnostic::error(format!("`use` chain too deep: the limit is {MAX_USE_DEPTH} files, each using the next"))
                    .at(span, "one file too many")
                    .note(format!("the chain starts at `{}`", self.stack[0].1)));
            }
            if self.keys.len() >= MAX_FILES {
                return Err(Diagnostic::error(format!("too many modules: a program may have at most {MAX_FILES} files"))
                    .at(span, "one file too many"));
            }
            if self.map.add(path.clone(), text).is_none() {
                return Err(Diagnostic::error("the program's files are too large together (4 GiB at most)").at(span, "one file too many"));
            }
            let id = self.map.files().len() - 1;
            let m = self.parse_file(id)?;
            self.keys.push(key.clone());
            self.stack.push((key, path));
            self.load_uses(m)?;
            self.stack.pop();
        }
        Ok(())
    }

    /// Replaces the values of the `const`s that `--const NAME=VALUE` names.
    fn override_consts(&mut self, m: &mut ast::Module) -> Result<(), Diagnostic> {
        for (name, value) in self.options.consts {
            let Some(i) = m.consts.iter().position(|c| c.name.name == *name) else {
                let known: Vec<&str> = m.consts.iter().map(|c| c.name.name.as_str()).collect();
                let d = Diagnostic::error(format!("`--const {name}={value}`: the program has no `const {name}`"));
                return Err(if known.is_empty() {
                    d.note("the program defines no `const` items")
                } else {
                    d.note(format!("its constants: {}", known.join(", ")))
                });
            };
            let Some(f) = self.map.add(format!("--const {name}"), value.clone()) else {
                return Err(Diagnostic::error("the program's files are too large together (4 GiB at most)"));
            };
            let base = f.base;
            let mut tokens = lexer::lex(value).map_err(|d| shift(d, base))?;
            for t in &mut tokens {
                t.span = t.span.shifted(base);
            }
            let value = parser::parse_expr(&tokens)?;
            m.consts[i].value = value;
        }
        Ok(())
    }
}

/// A diagnostic of a file that starts at `base`, with its spans moved there.
fn shift(mut d: Diagnostic, base: u32) -> Diagnostic {
    if let Some(l) = &mut d.primary {
        l.span = l.span.shifted(base);
    }
    for l in &mut d.secondary {
        l.span = l.span.shifted(base);
    }
    d
}

/// Reads bytes as a program source, rejecting invalid UTF-8 with the offset of the first bad byte.
pub fn decode_source(bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(format!("the program is not valid UTF-8: invalid byte at offset {at}"))
            .note("Spindle programs are UTF-8 text files")
    })
}
