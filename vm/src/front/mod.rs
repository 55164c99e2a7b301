//! The front end: text → tokens → syntax tree → checked, lowered program.

pub mod ast;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod suggest;

use crate::diag::Diagnostic;
use crate::ir::Program;
use crate::source::SourceFile;

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
}

/// The result of compiling a source file: the program (if there were no errors) and every
/// diagnostic, warnings included.
pub struct Compiled {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Stack for the front end's own thread. Parsing, checking and lowering recurse once per level
/// of an expression (bounded by `parser::MAX_NESTING` and `parser::MAX_TREE_HEIGHT`); in a debug
/// build a level of parentheses takes about 20 KiB, so 256 of them overflow the 2 MiB stack of
/// a test thread. Pages are only committed when touched.
const FRONT_END_STACK: usize = 64 << 20;

/// Parses, checks and lowers a program. It runs on a thread of its own with a stack big enough
/// for the nesting limits, whatever the caller's stack size (inline if no thread can be made).
pub fn compile(file: &SourceFile, resolver: &dyn Resolver) -> Compiled {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().name("spindle-front-end".into()).stack_size(FRONT_END_STACK);
        match worker.spawn_scoped(s, || compile_here(file, resolver)) {
            Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => compile_here(file, resolver),
        }
    })
}

fn compile_here(file: &SourceFile, resolver: &dyn Resolver) -> Compiled {
    let tokens = match lexer::lex(&file.text) {
        Ok(t) => t,
        Err(d) => return Compiled { program: None, diagnostics: vec![d] },
    };
    let ast = match parser::parse(&tokens) {
        Ok(a) => a,
        Err(d) => return Compiled { program: None, diagnostics: vec![d] },
    };
    lower::lower(&ast, file, resolver)
}

/// Reads bytes as a program source, rejecting invalid UTF-8 with the offset of the first bad byte.
pub fn decode_source(bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(format!("the program is not valid UTF-8: invalid byte at offset {at}"))
            .note("Spindle programs are UTF-8 text files")
    })
}
